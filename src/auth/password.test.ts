import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashPassword, normalizePassword, verifyPassword } from "./index.js";

describe("passwords", () => {
  it("stores only a scrypt hash and verifies it", async () => {
    const h = await hashPassword("s3cret pass");
    assert.match(h, /^scrypt\$16384\$8\$1\$/);
    assert.ok(!h.includes("s3cret"));
    assert.equal(await verifyPassword("s3cret pass", h), true);
    assert.equal(await verifyPassword("s3cret pas", h), false);
    assert.equal(await verifyPassword("s3cret pass", null), false, "unknown user never verifies");
  });

  it("accepts the PRECIS-normalised form (NFD, non-ASCII spaces)", async () => {
    const h = await hashPassword("café au lait");
    assert.equal(await verifyPassword("cafe\u0301\u00a0au lait", h), true);
    assert.equal(normalizePassword("a\u2003b"), "a b");
  });

  it("remembers successes only, and per hash", async () => {
    const a = await hashPassword("one");
    const b = await hashPassword("one");
    assert.equal(await verifyPassword("one", a), true);
    // Served from memory: answered within the current event-loop turn, while a KDF run needs a
    // thread-pool round trip (no wall-clock figure, which a busy machine would move).
    const second = verifyPassword("one", a).then((ok) => ({ ok, from: "memory" }));
    const turn = new Promise<{ ok: boolean; from: string }>((r) => setImmediate(() => r({ ok: false, from: "next turn" })));
    assert.deepEqual(await Promise.race([second, turn]), { ok: true, from: "memory" });
    assert.equal(await verifyPassword("two", a), false);
    assert.equal(await verifyPassword("one", b), true, "a changed hash is checked anew");
  });
});
