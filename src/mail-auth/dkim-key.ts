import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { MailAuthError } from "./errors.js";
import { asciiDomain, dkimSelector } from "./names.js";

const generate = promisify(generateKeyPair);

/** DKIM key algorithms: `rsa` (rsa-sha256, RFC 6376/8301) or `ed25519` (RFC 8463). */
export type DkimAlgorithm = "rsa" | "ed25519";

/** What is published in DNS for a key: its algorithm and the base64 `p=` value. */
export interface DkimPublicKey {
  algorithm: DkimAlgorithm;
  /** Base64 for the `p=` tag: SPKI DER for RSA, the raw 32-byte key for Ed25519. */
  publicKeyDnsValue: string;
}

/** A generated or loaded key pair. */
export interface DkimKeyPair extends DkimPublicKey {
  /** PKCS#8 PEM, the form nodemailer and mailauth accept. */
  privateKeyPem: string;
}

/** Options for {@link generateDkimKey}. */
export interface GenerateDkimKeyOptions {
  /** Default `rsa`: nodemailer signs only RSA. */
  algorithm?: DkimAlgorithm;
  /** RSA modulus length, 1024–4096; default 2048 (RFC 8301 requires ≥ 1024, 2048 is advised). */
  bits?: number;
}

/** A DNS TXT record to publish. `value` is the whole text; zone files split it in 255-byte strings. */
export interface TxtRecord {
  name: string;
  value: string;
}

// Ed25519 SubjectPublicKeyInfo is a fixed 12-byte prefix followed by the 32-byte key.
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/**
 * Generates a DKIM key pair with node:crypto (off the main thread).
 * Throws `INVALID_OPTIONS` for an unknown algorithm or a modulus outside 1024–4096.
 */
export async function generateDkimKey(options: GenerateDkimKeyOptions = {}): Promise<DkimKeyPair> {
  const algorithm = options.algorithm ?? "rsa";
  const bits = options.bits ?? 2048;
  let privateKey: KeyObject;
  if (algorithm === "rsa") {
    if (!Number.isInteger(bits) || bits < 1024 || bits > 4096) {
      throw new MailAuthError("INVALID_OPTIONS", `RSA key size must be 1024-4096 bits, got ${bits}`);
    }
    ({ privateKey } = await generate("rsa", { modulusLength: bits }));
  } else if (algorithm === "ed25519") {
    ({ privateKey } = await generate("ed25519"));
  } else {
    throw new MailAuthError("INVALID_OPTIONS", `unknown DKIM algorithm ${JSON.stringify(algorithm)}`);
  }
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { privateKeyPem, ...publicKeyOf(privateKey) };
}

/**
 * Derives the publishable public key from a private key PEM (PKCS#8 or PKCS#1).
 * Throws `DKIM_KEY_INVALID` if the PEM is not an RSA or Ed25519 private key.
 */
export function dkimPublicKey(privateKeyPem: string): DkimPublicKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (err) {
    throw new MailAuthError("DKIM_KEY_INVALID", "reading DKIM private key", { cause: err });
  }
  return publicKeyOf(key);
}

function publicKeyOf(privateKey: KeyObject): DkimPublicKey {
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  if (privateKey.asymmetricKeyType === "rsa") {
    return { algorithm: "rsa", publicKeyDnsValue: spki.toString("base64") };
  }
  if (privateKey.asymmetricKeyType === "ed25519" && spki.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) {
    // RFC 8463 §4.2: p= is the bare 32-byte key, not SPKI.
    return { algorithm: "ed25519", publicKeyDnsValue: spki.subarray(12).toString("base64") };
  }
  throw new MailAuthError("DKIM_KEY_INVALID", `unsupported DKIM key type ${privateKey.asymmetricKeyType ?? "unknown"}`);
}

/**
 * The DKIM TXT record for a key (RFC 6376 §3.6.1): name `<selector>._domainkey.<domain>`
 * (A-labels), value `v=DKIM1; k=<algorithm>; p=<key>`. Pass a {@link DkimKeyPair} or
 * the result of {@link dkimPublicKey}.
 */
export function dkimTxtRecord(selector: string, domain: string, publicKey: DkimPublicKey): TxtRecord {
  const name = `${dkimSelector(selector)}._domainkey.${asciiDomain(domain)}`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(publicKey.publicKeyDnsValue)) {
    throw new MailAuthError("DKIM_KEY_INVALID", "public key is not base64");
  }
  return { name, value: `v=DKIM1; k=${publicKey.algorithm}; p=${publicKey.publicKeyDnsValue}` };
}
