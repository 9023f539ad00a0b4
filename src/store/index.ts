/**
 * Domains (with their DKIM keys), accounts, addresses, mailboxes and messages: the only writer of
 * those tables.
 * Writes take the caller's transaction so a message, its event and its webhook rows commit
 * together. Raw message bytes are stored exactly as received.
 */
export {
  ensureDomain,
  ensureAccount,
  createAccount,
  setPasswordHash,
  getAccount,
  getAccountByName,
  getDomain,
  accountAddresses,
  findAddressOwner,
  findMailbox,
  defaultAccountSettings,
  type Account,
  type PasswordSource,
  type Domain,
  type AddressOwner,
} from "./accounts.js";
export {
  insertMessage,
  getMessage,
  deleteMessage,
  updateFlags,
  moveMessage,
  listMessages,
  type StoredMessage,
  type NewMessage,
} from "./messages.js";
export { listMessageSummaries, type MessageSummary, type MessageFilter, type SummaryAddress } from "./summaries.js";
export {
  listMailboxPage,
  countUnread,
  deleteMailboxMessages,
  mailboxCounts,
  type MailboxRow,
  type MailboxPageFilter,
  searchMessages,
} from "./mailbox-page.js";
export {
  addDkimKey,
  importDkimKey,
  removeDkimKey,
  listDkimKeys,
  signingDkimKey,
  dkimKeysChannel,
  type StoredDkimKeyRow,
  type DkimImportResult,
} from "./dkim-keys.js";
export { parseSearch, indexPendingMessages, type SearchQuery } from "./search.js";
export { sharedSecret } from "./shared-secrets.js";
export { StoreError } from "./errors.js";
export type { Envelope, MailboxRole, AccountSettings } from "../db/schema/index.js";
export { API_KEY_SCOPES, createApiKey, listApiKeys, revokeApiKey, findApiKey, type ApiKeyScope, type ApiKeyInfo } from "./api-keys.js";
