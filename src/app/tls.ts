import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { ConfigError, type Config } from "../config/index.js";
import type { CertificatePair, ListenerKind, TlsMaterial } from "../inbound/index.js";

/** TLS material per SMTP listener, read from the configured files; `reload()` re-reads them (SIGHUP). */
export type TlsFiles = {
  /** The current material of a listener (null: none configured). */
  forListener(kind: ListenerKind): () => TlsMaterial | null;
  /** Re-reads every file; throws (naming the field) and keeps the previous material on a failure. */
  reload(): void;
};

type Files = { certFile: string; keyFile: string };

/**
 * Reads smtp.tls (default certificate and the sni list) and each listener's own `tls`; a
 * listener's own certificate replaces the default, the sni list applies to every listener.
 * Every pair is checked to load as a TLS context, so a missing file, a key that does not match
 * or a broken PEM stops the start with the field's name instead of failing the first handshake.
 */
export function fileTls(config: Config): TlsFiles {
  const read = (): Record<ListenerKind, TlsMaterial | null> => {
    const base = readPair(config.smtp.tls, "smtp.tls");
    const sni = config.smtp.tls.sni.map((s, i) => {
      const pair = readPair(s, `smtp.tls.sni[${i}]`);
      if (!pair) throw new ConfigError(`smtp.tls.sni[${i}]: certFile and keyFile are required`);
      return { ...pair, names: s.names.map((n) => n.toLowerCase()) };
    });
    const material = (kind: ListenerKind): TlsMaterial | null => {
      const own = readPair(config.smtp[kind].tls, `smtp.${kind}.tls`);
      const pair = own ?? base;
      if (!pair) {
        if (sni.length > 0 && config.smtp[kind].enabled) {
          throw new ConfigError(`smtp.tls.certFile: a default certificate is needed beside smtp.tls.sni (clients that send no name get it)`);
        }
        return null;
      }
      return { ...pair, sni };
    };
    return { mx: material("mx"), submission: material("submission"), submissions: material("submissions") };
  };
  let current = read();
  return {
    forListener: (kind) => () => current[kind],
    reload() {
      current = read();
    },
  };
}

/**
 * What keeps the listeners from starting, one problem per listener: implicit TLS (submissions)
 * always needs a certificate, and submission does unless clear-text AUTH is allowed (else nobody
 * could log in). The MX runs without one, offering no STARTTLS. A file that cannot be read or a
 * pair that does not match is the one problem reported.
 */
export function tlsProblems(config: Config): string[] {
  let tls: TlsFiles;
  try {
    tls = fileTls(config);
  } catch (err) {
    return [(err as Error).message];
  }
  const { submission, submissions } = config.smtp;
  const problems: string[] = [];
  if (submissions.enabled && !tls.forListener("submissions")()) {
    problems.push("smtp.submissions: implicit TLS needs a certificate: set smtp.tls.certFile and smtp.tls.keyFile (or smtp.submissions.tls), or smtp.submissions.enabled: false");
  }
  if (submission.enabled && !submission.allowInsecureAuth && !tls.forListener("submission")()) {
    problems.push(
      "smtp.submission: AUTH needs TLS and no certificate is configured: set smtp.tls.certFile and smtp.tls.keyFile (or smtp.submission.tls), or smtp.submission.enabled: false (smtp.submission.allowInsecureAuth: true would accept passwords in clear text)",
    );
  }
  return problems;
}

/** Reads the configured certificates, refusing (ConfigError) what {@link tlsProblems} reports. */
export function loadTls(config: Config): TlsFiles {
  const problems = tlsProblems(config);
  if (problems.length) throw new ConfigError(problems.join("\n"));
  return fileTls(config);
}

/** Reads one certificate/key pair; null when neither file is configured. */
function readPair(f: Files, field: string): CertificatePair | null {
  if (!f.certFile && !f.keyFile) return null;
  if (!f.certFile || !f.keyFile) throw new ConfigError(`${field}: certFile and keyFile go together (one of them is empty)`);
  const load = (name: "certFile" | "keyFile") => {
    try {
      return readFileSync(f[name], "utf8");
    } catch (err) {
      throw new ConfigError(`${field}.${name}: reading ${f[name]}: ${(err as Error).message}`, { cause: err });
    }
  };
  const pair = { cert: load("certFile"), key: load("keyFile") };
  try {
    createSecureContext(pair);
  } catch (err) {
    throw new ConfigError(`${field}: ${f.certFile} and ${f.keyFile} are not a usable certificate and key: ${(err as Error).message}`, { cause: err });
  }
  return pair;
}
