import { configOf } from "../config";
import type { Env } from "../env";
import { httpProviderIdentifier } from "./http-provider";
import { firstMatch, type Identifier } from "./identifier";
import { ipRangeIdentifier } from "./ip-ranges";
import { peopleIdentifier } from "./people";

export type { Identity, IdentifyInput, Identifier } from "./identifier";

/**
 * Imported data first (free, exact); a licensed provider, when configured, for the rest.
 * `prefixLengths`: the imported ranges' prefix lengths, when the caller read them in its own batch.
 */
export function identifierFor(env: Env, prefixLengths?: number[]): Identifier {
  const sources = [ipRangeIdentifier(env.CATALOG, prefixLengths), peopleIdentifier(env.CATALOG)];
  const { identifyProvider } = configOf(env);
  if (identifyProvider) sources.push(httpProviderIdentifier(env.CATALOG, identifyProvider.url, identifyProvider.token));
  return firstMatch(sources);
}
