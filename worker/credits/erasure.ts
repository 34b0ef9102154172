import { toHex } from "../lib/encoding";
import { randomHex } from "../lib/ids";

/** What a forgotten identity becomes in `charged`: no identity starts with it. */
const ERASED_PREFIX = "erased:";

/** Identity → its erased form, for the identities of one charge call. */
export type ErasedForms = Map<string, string>;

export const isErased = (identity: string) => identity.startsWith(ERASED_PREFIX);

/**
 * The counter's erasure key: a forgotten identity is kept in `charged` only as an HMAC under a
 * random key of this counter's own. A keyed hash rather than a tombstone: a visitor erased without
 * being suppressed can be identified again in the same period, and must still count as already
 * charged; the key never leaves the counter, so the stored value cannot be matched against a list
 * of visitor ids.
 */
export class ErasureKey {
  private key: Promise<CryptoKey> | undefined;

  constructor(private readonly sql: SqlStorage) {}

  /**
   * The erased form of each identity, computed before the transaction (Web Crypto is async only).
   * The key is created by the first caller inside one synchronous statement, so every caller sees
   * the same key.
   */
  async forms(identities: string[]): Promise<ErasedForms> {
    const unique = [...new Set(identities)];
    const forms = await Promise.all(unique.map((identity) => this.form(identity)));
    return new Map(unique.map((identity, i) => [identity, forms[i]!]));
  }

  async form(identity: string): Promise<string> {
    this.key ??= crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(this.secret()),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = await crypto.subtle.sign("HMAC", await this.key, new TextEncoder().encode(identity));
    return `${ERASED_PREFIX}${toHex(mac)}`;
  }

  /** Forgets the imported key, after the counter's storage (the secret with it) was deleted. */
  reset(): void {
    this.key = undefined;
  }

  private secret(): string {
    this.sql.exec("INSERT OR IGNORE INTO erasure_key (id, key) VALUES (1, ?)", randomHex(32));
    return this.sql.exec<{ key: string }>("SELECT key FROM erasure_key WHERE id = 1").one().key;
  }
}
