import { domainsOf } from "../identify/profiles";
import type { Profile } from "../visitors/identity";
import type { ExclusionRules } from "./rules";

interface Attempt {
  organizationId: string;
  ip: string | null;
  hit: { i: string };
}

/**
 * The exclusions of the organizations in a consumer batch, from their rules (`rulesStatement`, read in
 * the consumer's first batch). Addresses are checked before identification, so an excluded address is
 * never looked up; identified companies and people after it, by the domains of their profiles.
 */
export function exclusionsOf(rules: Map<string, ExclusionRules>) {
  return {
    coversAddress: (a: Attempt) => rules.get(a.organizationId)?.coversAddress(a.ip) ?? false,

    /** Whether the organization excluded this identity's company or person (by domain). */
    coversIdentity(attempt: Attempt, profile: Profile | undefined): boolean {
      const orgRules = rules.get(attempt.organizationId);
      if (!orgRules?.hasDomains) return false;
      return domainsOf(profile).some((domain) => orgRules.coversDomain(domain));
    },
  };
}
