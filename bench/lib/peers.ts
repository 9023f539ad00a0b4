// The peers Postwire is measured against (shared/bench.md), each on loopback with throwaway data:
// smtp-sink (accept and discard), Postfix (private instance: queue with fsync, then Maildir) and
// Haraka (queue/discard). Each start returns an SmtpTarget; all are tracked for cleanup.
import { mkdirSync, writeFileSync, copyFileSync, readdirSync, rmSync, existsSync, chmodSync, chownSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, sh, startChild, track, waitSmtp, type Resource } from "./proc.js";
import { ensureBenchUser, harakaDir } from "./install.js";

/** An SMTP server under test: a port to load and a hook to let it settle between runs. */
export interface SmtpTarget {
  name: string;
  port: number;
  /** Waits until work accepted in the last run is finished (queue empty) and cleans its output. */
  drain(): Promise<void>;
  /** Process-group id for RSS, when there is one process tree. */
  pgid?: number;
  stop(): Promise<void>;
}

/** smtp-sink: the ceiling (accepts and discards, no disk). */
export async function startSmtpSink(): Promise<SmtpTarget> {
  ensureBenchUser();
  const port = await freePort();
  const c = startChild("smtp-sink", "smtp-sink", ["-u", "bench", `127.0.0.1:${port}`, "256"]);
  await waitSmtp(port, 10_000, () => c.proc.exitCode === null);
  return { name: "smtp-sink", port, drain: async () => {}, pgid: c.pid, stop: c.stop };
}

/** Postfix as a private instance (own config dir and queue under `tmp`), durable queue with fsync. */
export async function startPostfix(tmp: string): Promise<SmtpTarget> {
  const { uid, gid } = ensureBenchUser();
  const d = join(tmp, "postfix");
  const etc = join(d, "etc"), spool = join(d, "spool"), data = join(d, "data"), vmail = join(d, "vmail");
  for (const p of [etc, spool, data, vmail]) mkdirSync(p, { recursive: true });
  chmodSync(d, 0o755);
  chownSync(data, Number(sh("id", ["-u", "postfix"]).trim()), Number(sh("id", ["-g", "postfix"]).trim()));
  chownSync(vmail, uid, gid);
  copyFileSync("/etc/postfix/master.cf", join(etc, "master.cf"));
  if (existsSync("/etc/postfix/dynamicmaps.cf")) copyFileSync("/etc/postfix/dynamicmaps.cf", join(etc, "dynamicmaps.cf"));
  const port = await freePort();
  writeFileSync(join(etc, "main.cf"), [
    "compatibility_level = 3.6", `queue_directory = ${spool}`, `data_directory = ${data}`,
    "myhostname = bench.local", "mydestination = localhost", "inet_interfaces = 127.0.0.1",
    "inet_protocols = ipv4", "mynetworks = 127.0.0.0/8",
    "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination",
    // Accept any local part of test.example and deliver it to one Maildir (like bench.md's luser_relay).
    "virtual_mailbox_domains = test.example", `virtual_mailbox_base = ${vmail}`,
    "virtual_mailbox_maps = static:Maildir/", `virtual_uid_maps = static:${uid}`,
    `virtual_gid_maps = static:${gid}`, "virtual_minimum_uid = 1",
    "alias_maps =", "alias_database =", "biff = no", "smtpd_banner = $myhostname ESMTP",
    `maillog_file = ${join(d, "postfix.log")}`, `maillog_file_prefixes = /var, ${d}`, "",
  ].join("\n"));
  const pc = (...a: string[]) => sh("postconf", ["-c", etc, ...a]);
  pc("-M#", "smtp/inet");
  pc("-M", `127.0.0.1:${port}/inet=127.0.0.1:${port} inet n - n - - smtpd`);
  pc("-F", "*/*/chroot = n");
  sh("postfix", ["-c", etc, "check"]);
  sh("postfix", ["-c", etc, "start"]);
  // postfix's master daemonizes into its own session, so it is stopped by command, not by group.
  const res: Resource = track({
    name: "postfix",
    stop: async () => { sh("postfix", ["-c", etc, "stop"], { ok: true }); await sleep(300); sh("postfix", ["-c", etc, "abort"], { ok: true }); },
    kill: () => { sh("postfix", ["-c", etc, "abort"], { ok: true }); },
  });
  await waitSmtp(port, 15_000);
  // Deferred mail would never drain; it is not waited for (it does not occur here: nothing is refused).
  const queues = ["maildrop", "incoming", "active"].map((q) => join(spool, q));
  const drain = async () => {
    for (let i = 0; i < 600; i++) { // at most 60 s
      const busy = queues.some((q) => existsSync(q) && sh("find", [q, "-type", "f"], { ok: true }).trim() !== "");
      if (!busy) break;
      await sleep(100);
    }
    for (const sub of ["new", "cur", "tmp"]) {
      const p = join(vmail, "Maildir", sub);
      if (existsSync(p)) for (const f of readdirSync(p)) rmSync(join(p, f), { force: true });
    }
  };
  return { name: "postfix", port, drain, stop: res.stop };
}

/** Haraka with queue/discard and one worker (bench.md), from the cached npm install. */
export async function startHaraka(tmp: string, root: string): Promise<SmtpTarget> {
  const home = join(tmp, "haraka");
  const inst = harakaDir(root);
  sh("node", [join(inst, "node_modules", "Haraka", "bin", "haraka"), "-i", home], { cwd: inst });
  const port = await freePort();
  const cfg = (f: string, s: string) => writeFileSync(join(home, "config", f), s);
  cfg("smtp.ini", `listen=127.0.0.1:${port}\n`);
  cfg("log.ini", "[main]\nlevel=warn\n");
  cfg("plugins", "no_rdns\nrcpt_to.in_host_list\nqueue/discard\n");
  cfg("host_list", "test.example\n");
  cfg("me", "bench.local\n");
  // Skips the core's reverse DNS lookup per connection (no traffic off loopback).
  writeFileSync(join(home, "plugins", "no_rdns.js"), "exports.hook_lookup_rdns = (next) => next(OK, 'localhost')\n");
  const c = startChild("haraka", "node", [join(inst, "node_modules", "Haraka", "haraka.js")],
    { cwd: inst, env: { ...process.env, HARAKA: home, YES_REALLY_DO_DISCARD: "1" } });
  await waitSmtp(port, 30_000, () => c.proc.exitCode === null).catch((e: Error) => {
    throw new Error(`${e.message}: ${c.tail().split("\n").slice(-3).join(" ")}`);
  });
  return { name: "haraka", port, drain: async () => {}, pgid: c.pid, stop: c.stop };
}
