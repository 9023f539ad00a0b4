import { X509Certificate } from "node:crypto";
import type { ListenerSpec, TlsMaterial } from "./types.js";

/** smtp-server's TLS options for our material: the default pair plus one context per SNI name. */
export type ServerTlsOptions = { key: string; cert: string; sniOptions: Map<string, { key: string; cert: string }> };

/**
 * The TLS options handed to smtp-server (at start and on every reload). smtp-server falls back
 * to its bundled example certificate, whose private key is public, whenever key/cert are
 * missing: a listener without material never reaches this (STARTTLS is disabled, and a
 * submissions listener refuses to start).
 */
export function serverTlsOptions(m: TlsMaterial): ServerTlsOptions {
  const sniOptions = new Map<string, { key: string; cert: string }>();
  for (const s of m.sni ?? []) for (const n of s.names) sniOptions.set(n.toLowerCase(), { key: s.key, cert: s.cert });
  return { key: m.key, cert: m.cert, sniOptions };
}

/** Subject, names and expiry of a PEM certificate chain's first (leaf) certificate. */
export type CertificateFacts = { subject: string; names: string[]; validTo: string; expired: boolean };

/** Reads the facts the start-up log shows about a certificate; null when it does not parse. */
export function certificateFacts(pem: string, now = Date.now()): CertificateFacts | null {
  try {
    const x = new X509Certificate(pem);
    const names = (x.subjectAltName ?? "")
      .split(/,\s*/)
      .filter((n) => n.startsWith("DNS:") || n.startsWith("IP Address:"))
      .map((n) => n.replace(/^(DNS|IP Address):/, ""));
    return { subject: x.subject.replace(/\n/g, ", "), names, validTo: new Date(x.validTo).toISOString(), expired: Date.parse(x.validTo) < now };
  } catch {
    return null; // not our concern here: node's TLS refuses a broken pair when the context is made
  }
}

/** What a listener offers a client, logged at start so an operator sees it at a glance. */
export type ListenerOffer = {
  /** "implicit" (TLS from the first byte), "starttls", or "none". */
  tls: "implicit" | "starttls" | "none";
  /** AUTH: not on this listener, only after TLS, or also in clear text. */
  auth: "none" | "after-tls" | "clear-text-allowed";
  /** REQUIRETLS (RFC 8689) is advertised once the session is encrypted. */
  requireTls: boolean;
  certificate: CertificateFacts | null;
  /** Names with their own certificate (SNI). */
  sni: string[];
};

/** Describes what the listener of `spec` offers with material `tls`. */
export function listenerOffer(spec: ListenerSpec, tls: TlsMaterial | null): ListenerOffer {
  const mode = spec.kind === "submissions" ? "implicit" : tls ? "starttls" : "none";
  let auth: ListenerOffer["auth"] = "none";
  if (spec.kind !== "mx") auth = spec.kind === "submission" && spec.allowInsecureAuth ? "clear-text-allowed" : "after-tls";
  return {
    tls: mode,
    auth,
    requireTls: mode !== "none",
    certificate: tls ? certificateFacts(tls.cert) : null,
    sni: (tls?.sni ?? []).flatMap((s) => s.names),
  };
}
