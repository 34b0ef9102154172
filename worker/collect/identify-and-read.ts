import type { TenantEnv } from "../shards";
import { exclusionsOf } from "../exclusions/apply";
import { rulesFrom, rulesStatement } from "../exclusions/queries";
import { suppressedAmongStatement, suppressedFrom } from "../suppressions/queries";
import { scoringFrom, scoringStatements } from "../icp/rescore";
import { identifierFor } from "../identify";
import { answered } from "../identify/identifier";
import { ipRangeIdentifier } from "../identify/ip-ranges";
import { profilesFrom, profileStatements } from "../identify/profiles";
import type { Profile } from "../visitors/identity";
import { recipientsFrom, recipientStatements } from "../webhooks/recipients";
import { activeRulesFrom, activeRulesStatement, claimsFrom, claimsStatement, NO_ALERTS } from "../alerts/rules";
import { saltedKey } from "../visitors/keys";
import type { OrganizationKey } from "../visitors/organization-keys";
import type { PreparedHit } from "./plan-types";
import {
  addAddresses,
  addDays,
  addDevices,
  addLastHour,
  addPages,
  addTexts,
  addPeriods,
  addStored,
  addVisitors,
  addressesStatement,
  daysStatement,
  devicesStatement,
  emptyStates,
  lastHourStatement,
  periodsStatement,
  storedStatement,
  strayStatement,
  textsStatement,
  visitorsStatement,
} from "./read-state";

/**
 * Who each page view or identify call is (bots never), with the state the first round plans on,
 * in two reads for B2B. First, in one batch of the shard, what needs no identity: the
 * organizations' exclusions, the suppressed people among the batch's, the device rows, the period
 * snapshots, what ICP scoring needs and whom webhook events go to; at the same time, the B2B
 * addresses against the imported ranges (catalog). Then the rest of the identification, for what was
 * neither excluded nor suppressed and only when there is any: imported people (B2C), a provider.
 * Then, when someone was identified, at once: the identities' profiles (catalog), and their visitors,
 * the page views of stray engagement hits, and their organizations' alert rules with the visitors'
 * cooldowns (shard): alerts cost an anonymous hit nothing.
 *
 * Engagement hits are not attempts: their identity only finds their page view when their device row
 * does not know it. Visitors the organization excluded (by address, or by the identified company's or
 * person's domain) lose their identity and count as `excluded`; people the partner suppressed are
 * never looked up and count as `suppressed`. Sets these on the hits.
 */
export async function identifyAndRead(
  env: TenantEnv,
  groups: Map<string, PreparedHit[]>,
  keys: Map<string, OrganizationKey>,
) {
  const db = env.DB;
  const hits = [...groups.values()].flat();
  const organizationIds = [...groups.keys()];
  const attempts = hits.filter((h) => h.message.hit.t === "e" || !h.message.bot);
  const personal = attempts.filter((h) => h.message.productType === "B2C" && h.message.hit.h);
  const suppressions = suppressedAmongStatement(
    db,
    personal.map((h) => ({ partnerId: h.message.partnerId, emailSha256: h.message.hit.h! })),
  );
  const inputs = new Map(
    attempts.map(({ message: m }) => [m, { ip: m.ip, emailSha256: m.hit.h ?? null, productType: m.productType }]),
  );
  // The tenant's shard and the catalog are two databases, read at once: the imported ranges are
  // matched while the exclusions are read, and an excluded address's match is dropped unused.
  const imported = ipRangeIdentifier(env.CATALOG);
  const [[rules, devices, periods, days, addresses, lastHour, ...rest], ranges] = await Promise.all([
    db.batch([
      rulesStatement(db, organizationIds),
      devicesStatement(db, hits, keys),
      periodsStatement(db, organizationIds),
      daysStatement(db, hits),
      addressesStatement(db, hits, keys),
      lastHourStatement(db, hits, keys),
      ...scoringStatements(db, organizationIds),
      ...recipientStatements(db, organizationIds, [...new Set(hits.map((h) => h.message.partnerId))]),
      ...(suppressions ? [suppressions] : []),
    ]),
    imported.identify([...inputs.values()]),
  ]);
  const states = emptyStates(groups, keys);
  addDevices(states, devices!);
  addPeriods(states, periods!);
  const topPages = addDays(states, days!);
  addAddresses(states, addresses!);
  addLastHour(states, lastHour!);
  const scoring = scoringFrom(rest.slice(0, 2));
  const recipients = recipientsFrom(rest.slice(2, 4));
  const exclusions = exclusionsOf(rulesFrom(rules!));
  const suppressed = suppressions ? suppressedFrom(rest[4]!) : new Set<string>();

  const candidates = attempts.filter((h) => {
    if (exclusions.coversAddress(h.message)) h.excluded = true;
    else if (h.message.productType === "B2C" && suppressed.has(`${h.message.partnerId}|${h.message.hit.h}`))
      h.suppressed = true;
    else return true;
    return false;
  });
  const byRange = answered(new Map([...inputs.values()].map((input, i) => [input, ranges[i] ?? null])));
  const found = await identifierFor(env, byRange).identify(candidates.map((h) => inputs.get(h.message)!));
  const identified = candidates.flatMap((h, i) => (found[i] ? [{ h, identity: found[i] }] : []));
  const visitorKeys = await Promise.all(
    identified.map(({ h, identity }) => saltedKey(keys.get(h.message.organizationId)!.salt, identity.key)),
  );
  identified.forEach(({ h, identity }, i) => {
    h.identity = identity;
    h.visitor = visitorKeys[i]!;
  });
  if (identified.length === 0) return { states, scoring, recipients, alerts: NO_ALERTS };
  const stray = strayStatement(db, hits, states, keys);
  const texts = textsStatement(db, hits, states, keys);
  const identifiedVisitors = identified.map(({ h }) => ({
    organizationId: h.message.organizationId,
    visitor: h.visitor!,
  }));
  const [[companies, people], [visitors, stored, enabledRules, claims, ...more]] = await Promise.all([
    env.CATALOG.batch(
      profileStatements(
        env.CATALOG,
        identified.map((f) => f.identity),
      ),
    ),
    db.batch([
      visitorsStatement(db, hits, keys),
      storedStatement(db, hits, keys),
      activeRulesStatement(db, [...new Set(identifiedVisitors.map((v) => v.organizationId))]),
      claimsStatement(db, identifiedVisitors),
      ...[stray, texts].filter((s) => s !== null),
    ]),
  ]);
  const profiles = profilesFrom([companies!, people!]);
  addVisitors(states, visitors!);
  addStored(states, stored!);
  if (stray) addPages(states, more.shift()!);
  await addTexts(states, groups, texts ? more.shift() : undefined, topPages);
  const alerts = { rules: activeRulesFrom(enabledRules!), claims: claimsFrom(claims!) };
  for (const { h, identity } of identified) {
    h.profile = profiles.get(identity.key) ?? EMPTY_PROFILE;
    if (exclusions.coversIdentity(h.message, h.profile)) {
      Object.assign(h, { identity: null, profile: null, visitor: null, excluded: true });
    }
  }
  return { states, scoring, recipients, alerts };
}

const EMPTY_PROFILE: Profile = {
  name: null,
  domain: null,
  industry: null,
  employeeRange: null,
  revenueRange: null,
  country: null,
  region: null,
  city: null,
  linkedinUrl: null,
  jobTitle: null,
  emailDomain: null,
  companyDomain: null,
  location: null,
};
