// Builds the cached PGlite template if missing (see src/db/template.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, templateDir } from "../src/db/index.js";

const dir = mkdtempSync(join(tmpdir(), "postwire-warm-"));
const t0 = Date.now();
const db = await openDatabase({ dataDir: dir });
await db.close();
rmSync(dir, { recursive: true, force: true });
console.log(`postwire: PGlite template ready in ${templateDir()} (${Date.now() - t0} ms)`);
