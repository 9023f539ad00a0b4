// Installs what the peers need when missing (idempotent): Debian postfix (with smtp-source and
// smtp-sink), a `bench` user for deliveries, and Haraka from npm into bench/.cache (git-ignored).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sh } from "./proc.js";

const HARAKA_VERSION = "3.3.4";

function have(bin: string): boolean {
  return sh("sh", ["-c", `command -v ${bin} || test -x /usr/sbin/${bin} && echo /usr/sbin/${bin}`], { ok: true }).trim() !== "";
}

/** Ensures postfix, smtp-source and smtp-sink exist; returns null when ready, else the reason. */
export function ensurePostfix(log: (m: string) => void): string | null {
  if (have("smtp-source") && have("smtp-sink") && have("postfix")) return null;
  if (process.getuid?.() !== 0) return "postfix/smtp-source missing and not root to apt-get install them";
  log("installing postfix (Debian) for smtp-source, smtp-sink and the Postfix peer");
  try {
    sh("sh", ["-c", "apt-get update -qq"]);
    sh("debconf-set-selections", [], { input: "postfix postfix/main_mailer_type select No configuration\n" });
    sh("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "postfix"],
      { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } catch (e) {
    return `apt-get install postfix failed: ${(e as Error).message.slice(0, 200)}`;
  }
  return have("smtp-source") ? null : "postfix installed but smtp-source not found";
}

/** Ensures a `bench` system user exists (Maildir owner, smtp-sink's -u); returns its uid/gid. */
export function ensureBenchUser(): { uid: number; gid: number } {
  if (!sh("id", ["-u", "bench"], { ok: true }).trim()) {
    sh("useradd", ["-M", "-d", "/nonexistent", "-s", "/usr/sbin/nologin", "bench"], { ok: true });
  }
  return { uid: Number(sh("id", ["-u", "bench"]).trim()), gid: Number(sh("id", ["-g", "bench"]).trim()) };
}

/** Directory of the cached Haraka install (bench/.cache/haraka-inst). */
export function harakaDir(root: string): string {
  return join(root, "bench", ".cache", "haraka-inst");
}

/** Ensures Haraka is installed in bench/.cache; returns null when ready, else the reason. */
export function ensureHaraka(root: string, log: (m: string) => void): string | null {
  const dir = harakaDir(root);
  if (existsSync(join(dir, "node_modules", "Haraka", "haraka.js"))) return null;
  log(`installing Haraka ${HARAKA_VERSION} (npm) into ${dir}`);
  mkdirSync(dir, { recursive: true });
  // The registry lacks encoding-japanese@2.5.0 and libqp@3.0.1 (see shared/bench.md), hence overrides.
  writeFileSync(join(dir, "package.json"), JSON.stringify({
    name: "haraka-bench", private: true,
    overrides: { "encoding-japanese": "2.4.0", libqp: "2.1.2" },
  }, null, 2));
  try {
    sh("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", `Haraka@${HARAKA_VERSION}`], { cwd: dir });
  } catch (e) {
    return `npm install Haraka failed: ${(e as Error).message.slice(0, 200)}`;
  }
  return existsSync(join(dir, "node_modules", "Haraka", "haraka.js")) ? null : "Haraka installed but haraka.js missing";
}
