// Plain-JS entry for the parser worker thread. A worker does not inherit tsx from
// `node --import tsx` nor from the tsx CLI (Node 20 runs --import hooks per thread, and the
// inherited flag did not load .ts files in our test), so this file registers tsx in the
// worker and then imports the TypeScript worker. See parser-pool.test.ts.
import { register } from "tsx/esm/api";

register();
await import(new URL("./parse-worker.ts", import.meta.url).href);
