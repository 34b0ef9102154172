import { configOf } from "../config";
import type { Env } from "../env";
import { httpProviderIdentifier } from "./http-provider";
import { firstMatch, type Identifier } from "./identifier";
import { ipRangeIdentifier } from "./ip-ranges";
import { peopleIdentifier } from "./people";

export type { Identity, IdentifyInput, Identifier } from "./identifier";

/**
 * Imported data first (free, exact); a licensed provider, when configured, for the rest.
 * `ranges`: the imported ranges' answers, when the caller looked them up already.
 */
export function identifierFor(env: Env, ranges: Identifier = ipRangeIdentifier(env.CATALOG)): Identifier {
  const sources = [ranges, peopleIdentifier(env.CATALOG)];
  const { identifyProvider } = configOf(env);
  if (identifyProvider) sources.push(httpProviderIdentifier(env.CATALOG, identifyProvider.url, identifyProvider.token));
  return firstMatch(sources);
}
