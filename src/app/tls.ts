import { readFileSync } from "node:fs";
import type { Config } from "../config/index.js";

/** TLS material read from the configured files, re-read on `reload()` (SIGHUP). */
export type TlsSource = { get(): { key: string; cert: string } | null; reload(): void };

/** Reads smtp.tls.certFile/keyFile; no files configured means no TLS (STARTTLS hidden). */
export function fileTls(config: Config): TlsSource {
  const { certFile, keyFile } = config.smtp.tls;
  const read = () => (certFile && keyFile ? { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") } : null);
  let current = read();
  return {
    get: () => current,
    reload() {
      current = read(); // throws on a missing/unreadable file: the old material stays in use
    },
  };
}
