import type { IdentityType, ProductType } from "../../shared/billing";

/** Who a hit was identified as: the unit of charging (one credit per identity per period). */
export interface Identity {
  /** `company:<companyId>` or `person:<emailSha256>`. */
  key: string;
  type: IdentityType;
  companyId: string | null;
  personSha256: string | null;
}

export interface IdentifyInput {
  /** Visitor address (`CF-Connecting-IP`). */
  ip: string | null;
  /** SHA-256 of the normalised email, from the pixel's `identify`. */
  emailSha256: string | null;
  productType: ProductType;
}

/**
 * A source of identities. Implementations: imported IP ranges, imported people, and an
 * optional licensed provider over HTTP. They are tried in order; the first answer wins.
 */
export interface Identifier {
  identify(inputs: IdentifyInput[]): Promise<(Identity | null)[]>;
}

export const companyIdentity = (companyId: string): Identity => ({
  key: `company:${companyId}`,
  type: "company",
  companyId,
  personSha256: null,
});

export const personIdentity = (sha256: string): Identity => ({
  key: `person:${sha256}`,
  type: "person",
  companyId: null,
  personSha256: sha256,
});

/** Answers what was looked up before, for the very same input objects (null for the others). */
export function answered(answers: Map<IdentifyInput, Identity | null>): Identifier {
  return { identify: async (inputs) => inputs.map((input) => answers.get(input) ?? null) };
}

/** Tries each identifier on the inputs the previous ones could not identify. */
export function firstMatch(identifiers: Identifier[]): Identifier {
  return {
    async identify(inputs) {
      const results: (Identity | null)[] = inputs.map(() => null);
      for (const identifier of identifiers) {
        const open = results.flatMap((r, i) => (r === null ? [i] : []));
        if (open.length === 0) break;
        const found = await identifier.identify(open.map((i) => inputs[i]!));
        open.forEach((index, j) => (results[index] = found[j]!));
      }
      return results;
    },
  };
}
