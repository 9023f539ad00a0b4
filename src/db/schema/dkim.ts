import { bigserial, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/**
 * DKIM private keys, shared by every process on the database. A domain's signing key is its
 * newest RSA key whose `signsFrom` has passed; older keys stay (for DNS publication overlap)
 * until removed. `domain` is the A-label form. Owner: store.
 */
export const dkimKeys = pgTable(
  "dkim_keys",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    domain: text("domain").notNull(),
    selector: text("selector").notNull(),
    algorithm: text("algorithm").$type<"rsa" | "ed25519">().notNull(),
    privateKeyPem: text("private_key_pem").notNull(),
    /** When this key starts signing (a rotation may delay it until the DNS record is out). */
    signsFrom: timestamp("signs_from", { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("dkim_keys_domain_selector_idx").on(t.domain, t.selector)],
);
