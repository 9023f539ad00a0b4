// mail-auth: SPF/DKIM/DMARC verification of incoming mail (mailauth 4.13.3), the mox Meta
// fields derived from it, DKIM keys (generation, the key files of earlier versions)
// and the DNS records a domain must publish. It does not sign or send (delivery/) nor
// touch messages in storage; DNS goes only through the injected dns `Resolver`.
// Invariants: verification is time-bounded and never throws; any result other than
// `pass` counts as unverified; key files are 0600 under `<dir>/<domain>/<selector>.key`
// (now only read, to import them into the database: store/ keeps the keys).

export { verifyIncoming, type DkimSignatureResult, type IncomingVerification, type VerifyIncomingInput } from "./verify.js";
export type { AuthResultValue } from "./auth-results.js";
export type { MsgFromValidation } from "./alignment.js";
export {
  dkimPublicKey,
  dkimTxtRecord,
  generateDkimKey,
  type DkimAlgorithm,
  type DkimKeyPair,
  type DkimPublicKey,
  type GenerateDkimKeyOptions,
  type TxtRecord,
} from "./dkim-key.js";
export {
  dkimKeyPath,
  loadDkimKey,
  loadDkimKeys,
  saveDkimKey,
  type StoredDkimKey,
} from "./key-store.js";
export { asciiDomain, dkimSelector, tryAsciiDomain } from "./names.js";
export { dnsRecords, formatZone, toStaticRecords, type DnsRecord, type DnsRecordPurpose, type DnsRecordsInput } from "./dns-records.js";
export { MailAuthError, mailAuthErrorCodes, type MailAuthErrorCode } from "./errors.js";
