import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The self-signed certificate for localhost, made on first run in the data dir
 * (localhost.crt / localhost.key) and reused afterwards.
 */
export async function ensureLocalCert(dir: string): Promise<{ key: string; cert: string }> {
  const certFile = join(dir, "localhost.crt");
  const keyFile = join(dir, "localhost.key");
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
  }
  // Imported here, on first run only: selfsigned and its X.509 stack take ~0.6 s to load.
  const { default: selfsigned } = await import("selfsigned");
  const pems = await selfsigned.generate([{ name: "commonName", value: "localhost" }], {
    notAfterDate: new Date(Date.now() + 4 * 365 * 86_400_000),
    keySize: 2048,
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }, { type: 7, ip: "::1" }] },
    ],
  });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert);
  return { cert: pems.cert, key: pems.private };
}
