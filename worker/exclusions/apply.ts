import type { Identity } from "../identify";
import { domainsOf, rulesOf } from "./queries";
import type { ExclusionRules } from "./rules";

interface Attempt {
  organizationId: string;
  ip: string | null;
  hit: { i: string };
}

/**
 * The exclusions of the organizations in a consumer batch (one query). Addresses are checked
 * before identification, so an excluded address is never looked up; identified companies and
 * people after it, by their domains.
 */
export async function exclusionsFor(db: D1Database, attempts: Attempt[]) {
  const rules = await rulesOf(
    db,
    attempts.map((a) => a.organizationId),
  );
  return {
    coversAddress: (a: Attempt) => rules.get(a.organizationId)?.coversAddress(a.ip) ?? false,

    /** Event ids of the attempts whose identity's domain the organization excluded. */
    async coveredIdentities(identified: { attempt: Attempt; identity: Identity }[]): Promise<Set<string>> {
      const candidates = identified.filter(({ attempt }) => rules.get(attempt.organizationId)?.hasDomains);
      if (candidates.length === 0) return new Set();
      const domains = await domainsOf(db, [...new Set(candidates.map((c) => c.identity.key))]);
      const covered = candidates.filter(({ attempt, identity }) => {
        const orgRules = rules.get(attempt.organizationId) as ExclusionRules;
        return (domains.get(identity.key) ?? []).some((domain) => orgRules.coversDomain(domain));
      });
      return new Set(covered.map(({ attempt }) => attempt.hit.i));
    },
  };
}
