/**
 * SMTP in: the MX listener (hosted recipients only, no relaying) and the submission listeners
 * (AUTH required; MAIL FROM and From must be the account's). A 250 after DATA means the message,
 * its event and its webhook rows committed in one transaction; anything else stores nothing.
 * It does not deliver: submissions go to the injected `submit` (delivery's queue).
 */
export { startListener, type SmtpListener } from "./listener.js";
export { certificateFacts, type CertificateFacts, type ListenerOffer } from "./tls.js";
export type {
  InboundDeps,
  ListenerKind,
  ListenerSpec,
  TlsMaterial,
  CertificatePair,
  LocalRecipient,
  RecipientResolver,
  FailureCheck,
  SimulatedFailure,
  Verifier,
  VerifyResult,
  OutgoingSubmission,
} from "./types.js";
