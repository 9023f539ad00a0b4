#!/usr/bin/env node
// npm postinstall: guards postgres-js (pinned in package.json) against writing to a closed
// socket. Upstream 3.4.9 buffers small writes and flushes them from a setImmediate; when the
// connection closes first (PostgreSQL restarted, backend terminated) and a transaction's
// ROLLBACK is written after the close, that immediate calls `null.write` and the uncaught
// TypeError ends the whole process. closed() and terminate() also clear the immediate without
// forgetting it, so a reused connection never flushes again. Our guard:
//   - nextWrite returns early and drops the buffered bytes when there is no socket;
//   - closed() and terminate() reset nextWriteTimer and chunk; closed() also forgets the
//     ErrorResponse of the dying backend (FATAL 57P01 on a restart), which the next
//     connection's first ReadyForQuery would otherwise hand to its first, healthy query;
//   - execute() rejects a query with CONNECTION_CLOSED when there is no socket, instead of
//     queueing it on a dead connection where it would wait for a reply forever.
// Every copy the package ships is patched (src/ for import, cjs/ for require, cf/ for workerd).
// Idempotent. Fails the install loudly when the version or the replaced text is not the one
// this was written for: then re-check the upstream fix and update or drop this script.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const VERSION = "3.4.9";
const MARK = "postwire patch";

/** [name, original text, replacement]; each original must occur exactly once per file. */
const edits = [
  [
    "nextWrite without a socket",
    "  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)\n",
    "  function nextWrite(fn) {\n" +
      `    if (!socket) { // ${MARK}: closed while bytes were buffered; nothing to write them to\n` +
      "      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n" +
      "      chunk = nextWriteTimer = null\n" +
      "      return true\n" +
      "    }\n" +
      "    const x = socket.write(chunk, fn)\n",
  ],
  [
    "terminate() forgets the pending write",
    "    clearImmediate(nextWriteTimer)\n    if (socket) {\n",
    `    clearImmediate(nextWriteTimer)\n    nextWriteTimer = chunk = null // ${MARK}\n    if (socket) {\n`,
  ],
  [
    "closed() forgets the pending write and the last ErrorResponse",
    "    clearImmediate(nextWriteTimer)\n    socket.removeListener('data', data)\n",
    `    clearImmediate(nextWriteTimer)\n    nextWriteTimer = chunk = errorResponse = null // ${MARK}\n    socket.removeListener('data', data)\n`,
  ],
  [
    "execute() on a closed connection",
    "      return queryError(q, Errors.connection('CONNECTION_DESTROYED', options))\n\n",
    "      return queryError(q, Errors.connection('CONNECTION_DESTROYED', options))\n\n" +
      `    if (!socket) { // ${MARK}: e.g. a transaction's rollback after its connection closed\n` +
      "      queryError(q, Errors.connection('CONNECTION_CLOSED', options))\n" +
      "      return true\n" +
      "    }\n\n",
  ],
];

function fail(msg) {
  console.error(`postwire: cannot patch postgres-js: ${msg}`);
  process.exit(1);
}

function packageRoot() {
  // "postgres" resolves (require condition) to <root>/cjs/src/index.js.
  let dir;
  try {
    dir = dirname(createRequire(join(process.cwd(), "package.json")).resolve("postgres"));
  } catch {
    return null;
  }
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    const p = join(dir, "package.json");
    if (existsSync(p) && JSON.parse(readFileSync(p, "utf8")).name === "postgres") return dir;
  }
  return null;
}

const root = packageRoot();
if (!root) fail("package postgres not found");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
if (version !== VERSION) fail(`installed version ${version}, the patch is for ${VERSION} (package.json pins it)`);

const copies = ["src", "cjs/src", "cf/src", "deno/src"].map((d) => join(root, d, "connection.js")).filter((f) => existsSync(f));
if (!copies.some((f) => f.endsWith(join("cjs", "src", "connection.js"))) || !copies.some((f) => f.endsWith(join("postgres", "src", "connection.js")))) {
  fail(`expected src/ and cjs/src/ copies of connection.js under ${root}`);
}

let patched = 0;
for (const file of copies) {
  const text = readFileSync(file, "utf8");
  if (text.includes(MARK)) {
    const n = text.split(MARK).length - 1;
    if (n !== edits.length) fail(`${file} is partly patched (${n} of ${edits.length} marks)`);
    continue;
  }
  let out = text;
  for (const [name, from, to] of edits) {
    const n = out.split(from).length - 1;
    if (n !== 1) fail(`${file}: the text for "${name}" occurs ${n} times, expected once`);
    out = out.replace(from, () => to);
  }
  writeFileSync(file, out);
  patched++;
}
console.log(`postwire: postgres-js ${VERSION} closed-socket guard ${patched ? `applied to ${patched} file(s)` : "already applied"} (${copies.length} copies)`);
