// Leaves nothing behind when a torture run is cut short (a test timeout, Ctrl-C): synchronous
// cleanups (kill the child server, stop the throwaway cluster) run at exit, SIGINT and SIGTERM.
const cleanups = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const c of [...cleanups].reverse()) {
    try {
      c();
    } catch {
      // best effort: the process is going away
    }
  }
  cleanups.clear();
}

/** Registers a synchronous cleanup; returns the function that unregisters it (after a normal cleanup). */
export function onAbort(cleanup: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once("exit", runAll);
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      process.once(sig, () => {
        runAll();
        process.exit(sig === "SIGINT" ? 130 : 143);
      });
    }
  }
  cleanups.add(cleanup);
  return () => void cleanups.delete(cleanup);
}
