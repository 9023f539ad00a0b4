import { eq } from "drizzle-orm";
import { type DbOrTx, schema } from "../db/index.js";

const { sharedSecrets } = schema;

/**
 * The secret called `name`, shared by every process on the database: the stored one, or `make()`'s
 * value stored now. Concurrent first calls agree: the first insert wins and every caller reads it.
 */
export async function sharedSecret(db: DbOrTx, name: string, make: () => Buffer): Promise<Buffer> {
  await db.insert(sharedSecrets).values({ name, value: make() }).onConflictDoNothing();
  const [row] = await db.select({ value: sharedSecrets.value }).from(sharedSecrets).where(eq(sharedSecrets.name, name));
  return Buffer.from(row!.value);
}
