import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { afterEach, describe, it } from "node:test";
import { faultEnvVar, faultPoint, InjectedFault, parseFaults, resetFaults } from "./index.js";

describe("fault points", () => {
  afterEach(() => {
    delete process.env[faultEnvVar];
    resetFaults();
  });

  it("parses actions and hit ranges", () => {
    const s = parseFaults("a.b:kill@3, c:throw=ENOSPC@1-5,d:delay=20@2-,e:throw,f:hang");
    assert.deepEqual(
      s.map((x) => [x.name, x.action.kind, x.from, x.to]),
      [
        ["a.b", "kill", 3, 3],
        ["c", "throw", 1, 5],
        ["d", "delay", 2, Infinity],
        ["e", "throw", 1, Infinity],
        ["f", "hang", 1, Infinity],
      ],
    );
    assert.deepEqual(s[1]!.action, { kind: "throw", code: "ENOSPC" });
    assert.throws(() => parseFaults("nocolon"), /malformed/);
    assert.throws(() => parseFaults("x:explode"), /malformed/);
  });

  it("does nothing when not armed", () => {
    assert.equal(faultPoint("anything"), undefined);
    process.env[faultEnvVar] = "other:throw";
    resetFaults();
    assert.equal(faultPoint("anything"), undefined);
  });

  it("throws on the configured hits only", () => {
    process.env[faultEnvVar] = "p:throw=53100@2-3";
    resetFaults();
    assert.equal(faultPoint("p"), undefined);
    assert.throws(() => faultPoint("p"), (e: unknown) => e instanceof InjectedFault && e.code === "53100");
    assert.throws(() => faultPoint("p"), InjectedFault);
    assert.equal(faultPoint("p"), undefined);
  });

  it("delays", async () => {
    process.env[faultEnvVar] = "p:delay=50";
    resetFaults();
    const t = Date.now();
    await faultPoint("p");
    assert.ok(Date.now() - t >= 45);
  });

  it("kills its own process with SIGKILL", () => {
    const mod = new URL("./index.ts", import.meta.url).pathname;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", `import(${JSON.stringify(mod)}).then(m => { m.faultPoint("x"); console.log("after kill"); })`], {
      env: { ...process.env, [faultEnvVar]: "x:kill" },
      encoding: "utf8",
    });
    assert.equal(r.signal, "SIGKILL", r.stderr);
    assert.ok(!r.stdout.includes("after kill"));
  });
});
