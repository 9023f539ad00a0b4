// The README's first session, run as printed (python3 smtplib, curl; swaks when installed)
// against a real `postwire localserve` process, with only host and ports replaced.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { startLocalserveProc, type ServerProc } from "../helpers/proc.js";
import { haveSwaks } from "../helpers/smtp-client.js";

const run = promisify(execFile);
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const session = readme.slice(readme.indexOf("## A first session"), readme.indexOf("## Commands"));

/** The shell blocks of the first session, continuation lines joined. */
const blocks = [...session.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe("README first session", () => {
  let p: ServerProc;
  before(async () => (p = await startLocalserveProc()));
  after(async () => p.cleanup());

  const localize = (cmd: string) =>
    cmd
      .replaceAll("localhost:1080", `127.0.0.1:${p.ports.http}`)
      .replaceAll('"localhost", 1025', `"127.0.0.1", ${p.ports.smtp}`)
      .replaceAll("localhost:1587", `127.0.0.1:${p.ports.submission}`)
      .replaceAll("localhost:1025", `127.0.0.1:${p.ports.smtp}`);

  it("runs every command as printed", async () => {
    assert.ok(blocks.length >= 3);
    const [python, curls, swaks] = blocks;
    const py = await run("bash", ["-c", localize(python!)], { timeout: 60_000 });
    assert.equal(py.stderr, "");
    const lines = curls!.replace(/\\\n\s*/g, "").split("\n").filter((l) => l.startsWith("curl "));
    assert.equal(lines.length, 3);
    const sent = JSON.parse((await run("bash", ["-c", localize(lines[0]!)])).stdout);
    assert.equal(sent.Submissions.length, 1);
    const waited = JSON.parse((await run("bash", ["-c", localize(lines[1]!)], { timeout: 60_000 })).stdout);
    assert.ok(waited.Message, "the delivered copy arrived");
    const got = JSON.parse((await run("bash", ["-c", localize(lines[2]!)])).stdout);
    assert.equal(got.Message.Subject, "hello webapi");
    assert.equal(got.Message.Text, "hi!\n");
    assert.equal(got.Meta.MailboxName, "Inbox");
    assert.deepEqual(got.Meta.DKIMVerifiedDomains, ["localhost"], "signed by localserve's key, verified");
    if (haveSwaks()) {
      const sw = await run("bash", ["-c", localize(swaks!.replace(/\\\n\s*/g, ""))], { timeout: 60_000 });
      assert.match(sw.stdout, /<- +250 2\.6\.0 /);
    }
  });
});
