import { suppressedAmongStatement, suppressedFrom } from "../suppressions/queries";
import { byDeviceDayTable } from "../visitors/device-days";
import { dayNumber, dayStart, dayText, SALTED_KEY_LENGTH, textKey, unixSeconds } from "../visitors/keys";
import { deviceId, parseDevice, type DeviceRow } from "./device-state";
import type { OrganizationKey } from "../visitors/organization-keys";
import { PEOPLE_PER_HOUR } from "./people-limits";
import { STORED_PAGE_VIEWS_PER_DAY } from "./plan-pages";
import { addressId, type OrganizationState, type PreparedHit, type StoredVisitor } from "./plan-types";

/**
 * What the hits consumer reads to plan an organization's batch (consume.ts): one statement per kind of
 * row, for a batch of the shard, and the function that puts its answer into the organizations' states.
 */

/**
 * The device rows, visitors and period snapshots the organizations' hits need, in one batch (a later
 * round), and the suppressions again (N3): a person suppressed since the first round is no longer
 * identified (`suppressed`), though the hit keeps its visitor id for what the counter already charged.
 */
export async function readStates(
  db: D1Database,
  groups: Map<string, PreparedHit[]>,
  keys: Map<string, OrganizationKey>,
): Promise<Map<string, OrganizationState>> {
  const hits = [...groups.values()].flat();
  const people = hits.filter((h) => h.identity?.type === "person" && h.message.hit.h);
  const suppressions = suppressedAmongStatement(
    db,
    people.map((h) => ({ partnerId: h.message.partnerId, emailSha256: h.message.hit.h! })),
  );
  const [devices, visitors, periods, days, stored, addresses, lastHour, suppressed] = await db.batch([
    devicesStatement(db, hits, keys),
    visitorsStatement(db, hits, keys),
    periodsStatement(db, [...groups.keys()]),
    daysStatement(db, hits),
    storedStatement(db, hits, keys),
    addressesStatement(db, hits, keys),
    lastHourStatement(db, hits, keys),
    ...(suppressions ? [suppressions] : []),
  ]);
  const now = suppressed ? suppressedFrom(suppressed) : new Set<string>();
  for (const h of people) {
    if (now.has(`${h.message.partnerId}|${h.message.hit.h}`)) {
      Object.assign(h, { identity: null, profile: null, suppressed: true });
    }
  }
  const states = emptyStates(groups, keys);
  addDevices(states, devices!);
  addAddresses(states, addresses!);
  addLastHour(states, lastHour!);
  addVisitors(states, visitors!);
  addPeriods(states, periods!);
  addStored(states, stored!);
  const topPages = addDays(states, days!);
  const texts = textsStatement(db, hits, states, keys);
  await addTexts(states, groups, texts ? await texts.all() : undefined, topPages);
  const stray = strayStatement(db, hits, states, keys);
  if (stray) addPages(states, await stray.all());
  return states;
}

export function emptyStates(groups: Map<string, PreparedHit[]>, keys: Map<string, OrganizationKey>) {
  const states = new Map<string, OrganizationState>();
  for (const organizationId of groups.keys()) {
    states.set(organizationId, {
      id: organizationId,
      key: keys.get(organizationId)!.key,
      period: null,
      devices: new Map(),
      visitors: new Map(),
      pages: new Map(),
      devicesToday: new Map(),
      storedToday: new Map(),
      texts: new Map(),
      addresses: new Map(),
      peopleLastHour: 0,
    });
  }
  return states;
}

export const orgKey = (keys: Map<string, OrganizationKey>, h: PreparedHit) => keys.get(h.message.organizationId)!.key;

export function devicesStatement(db: D1Database, hits: PreparedHit[], keys: Map<string, OrganizationKey>) {
  const devices = new Map(
    hits.map((h) => [`${orgKey(keys, h)}|${h.day}|${h.device}`, [orgKey(keys, h), h.day, h.device] as const]),
  );
  // Each day's rows are in a table of their own (visitors/device-days.ts).
  const byTable = [...byDeviceDayTable([...devices.values()], ([, day]) => day)];
  if (byTable.length === 0) return db.prepare("SELECT NULL AS org WHERE false");
  return db
    .prepare(
      byTable
        .map(
          ([table], n) =>
            `SELECT d.org, d.day, d.device, d.version, d.last, d.seen, d.visits, d.people FROM json_each(?${n + 1}) j
             CROSS JOIN ${table} d ON d.day = j.value ->> 1 AND d.org = j.value ->> 0 AND d.device = j.value ->> 2`,
        )
        .join(" UNION ALL "),
    )
    .bind(...byTable.map(([, rows]) => JSON.stringify(rows)));
}

export function addDevices(states: Map<string, OrganizationState>, result: D1Result) {
  const byKey = new Map([...states.values()].map((s) => [s.key, s]));
  for (const row of result.results as (DeviceRow & { org: number })[]) {
    byKey.get(row.org)!.devices.set(deviceId(row.day, row.device), parseDevice(row));
  }
}

export function visitorsStatement(db: D1Database, hits: PreparedHit[], keys: Map<string, OrganizationKey>) {
  const visitors = new Map(
    hits.flatMap((h) => (h.visitor ? [[`${orgKey(keys, h)}|${h.visitor}`, [orgKey(keys, h), h.visitor]]] : [])),
  );
  return db
    .prepare(
      `SELECT v.org, v.id, v.last_seen, v.charged_period, v.name, v.domain FROM json_each(?) j
       CROSS JOIN visitors v ON v.org = j.value ->> 0 AND v.id = j.value ->> 1`,
    )
    .bind(JSON.stringify([...visitors.values()]));
}

export function addVisitors(states: Map<string, OrganizationState>, result: D1Result) {
  const byKey = new Map([...states.values()].map((s) => [s.key, s]));
  type VisitorStateRow = {
    org: number;
    id: string;
    last_seen: number;
    charged_period: number | null;
    name: string | null;
    domain: string | null;
  };
  for (const row of result.results as VisitorStateRow[]) {
    byKey.get(row.org)!.visitors.set(row.id, {
      lastSeen: row.last_seen,
      chargedPeriod: row.charged_period,
      name: row.name,
      domain: row.domain,
    } satisfies StoredVisitor);
  }
}

export const periodsStatement = (db: D1Database, organizationIds: string[]) =>
  db
    .prepare(
      `SELECT organization_id, current_period_start, current_period_end FROM organization_periods
       WHERE organization_id IN (SELECT value FROM json_each(?))`,
    )
    .bind(JSON.stringify(organizationIds));

export function addPeriods(states: Map<string, OrganizationState>, result: D1Result) {
  type PeriodRow = { organization_id: string; current_period_start: string; current_period_end: string };
  for (const row of result.results as PeriodRow[]) {
    states.get(row.organization_id)!.period = {
      start: unixSeconds(Date.parse(row.current_period_start)),
      end: unixSeconds(Date.parse(row.current_period_end)),
    };
  }
}

/**
 * Engagement hits whose device row does not know their page view (sent from another address or
 * browser, e.g. a beacon while the page unloads), unless the page view is in this batch on the same
 * device: their page view among the stored ones of the visitor they identify. Null when there are none.
 */
export function strayStatement(
  db: D1Database,
  hits: PreparedHit[],
  states: Map<string, OrganizationState>,
  keys: Map<string, OrganizationKey>,
): D1PreparedStatement | null {
  const onDevice = (h: PreparedHit, key: string) => `${h.message.organizationId}|${deviceId(h.day, h.device)}|${key}`;
  const inBatch = new Set(hits.filter((h) => h.message.hit.t !== "e").map((h) => onDevice(h, h.key)));
  const stray = hits.filter((h) => {
    if (h.message.hit.t !== "e" || !h.visitor || inBatch.has(onDevice(h, h.pageKey!))) return false;
    const device = states.get(h.message.organizationId)!.devices.get(deviceId(h.day, h.device));
    return !device?.seen.includes(h.pageKey!);
  });
  if (stray.length === 0) return null;
  return db
    .prepare(
      `SELECT k.organization_id, v.id AS visitor, pv.key, pv.session FROM json_each(?) j
       CROSS JOIN organization_keys k ON k.key = j.value ->> 0
       CROSS JOIN visitors v ON v.org = k.key AND v.id = j.value ->> 1
       CROSS JOIN page_views pv ON pv.visitor = v.seq AND pv.key = j.value ->> 2`,
    )
    .bind(JSON.stringify(stray.map((h) => [orgKey(keys, h), h.visitor, h.pageKey])));
}

export function addPages(states: Map<string, OrganizationState>, result: D1Result) {
  type PageRow = { organization_id: string; visitor: string; key: string; session: number };
  for (const r of result.results as PageRow[])
    states.get(r.organization_id)!.pages.set(`${r.visitor}|${r.key}`, r.session);
}

/**
 * The organizations' daily rollups of the hits' days: the device rows kept so far (H4's daily cap),
 * and for B2C organizations the day's top pages, among which an identify call finds the paths of
 * anonymous page views again.
 */
export function daysStatement(db: D1Database, hits: PreparedHit[]) {
  const days = new Map(
    hits.map((h) => [`${h.message.organizationId}|${h.day}`, [h.message.organizationId, dayText(h.day)]]),
  );
  const b2c = [...new Set(hits.filter((h) => h.message.productType === "B2C").map((h) => h.message.organizationId))];
  return db
    .prepare(
      `SELECT u.organization_id, u.day, u.devices,
         CASE WHEN u.organization_id IN (SELECT value FROM json_each(?2)) THEN u.pages END AS pages
       FROM json_each(?1) j CROSS JOIN usage_daily u ON u.organization_id = j.value ->> 0 AND u.day = j.value ->> 1`,
    )
    .bind(JSON.stringify([...days.values()]), JSON.stringify(b2c));
}

/** Sets the device rows kept per day; returns each B2C organization's top pages of those days. */
export function addDays(states: Map<string, OrganizationState>, result: D1Result): Map<string, string[]> {
  type DayRow = { organization_id: string; day: string; devices: number; pages: string | null };
  const topPages = new Map<string, string[]>();
  for (const row of result.results as DayRow[]) {
    states.get(row.organization_id)!.devicesToday.set(dayNumber(Date.parse(row.day)), row.devices);
    if (row.pages) {
      const paths = topPages.get(row.organization_id) ?? [];
      topPages.set(row.organization_id, [...paths, ...Object.keys(JSON.parse(row.pages) as Record<string, number>)]);
    }
  }
  return topPages;
}

/** Page views stored per identified visitor on each hit's day so far (counted up to H4's daily cap). */
export function storedStatement(db: D1Database, hits: PreparedHit[], keys: Map<string, OrganizationKey>) {
  const pairs = new Map(
    hits.flatMap((h) =>
      h.visitor ? [[`${orgKey(keys, h)}|${h.visitor}|${h.day}`, [orgKey(keys, h), h.visitor, dayStart(h.day)]]] : [],
    ),
  );
  return db
    .prepare(
      `SELECT v.org, v.id, j.value ->> 2 AS start,
         (SELECT count(*) FROM (SELECT 1 FROM page_views p WHERE p.visitor = v.seq AND p.session >= j.value ->> 2
            AND p.session < (j.value ->> 2) + 86400 LIMIT ${STORED_PAGE_VIEWS_PER_DAY})) AS stored
       FROM json_each(?) j CROSS JOIN visitors v ON v.org = j.value ->> 0 AND v.id = j.value ->> 1`,
    )
    .bind(JSON.stringify([...pairs.values()]));
}

export function addStored(states: Map<string, OrganizationState>, result: D1Result) {
  const byKey = new Map([...states.values()].map((s) => [s.key, s]));
  for (const row of result.results as { org: number; id: string; start: number; stored: number }[]) {
    byKey.get(row.org)!.storedToday.set(`${row.id}|${dayNumber(row.start * 1000)}`, row.stored);
  }
}

/**
 * H4: the texts (paths, how visits began) whose keys the anonymous visits of identified B2C hits' devices
 * kept, as `anonymous_texts` has them. Null when no such visit kept any.
 */
export function textsStatement(
  db: D1Database,
  hits: PreparedHit[],
  states: Map<string, OrganizationState>,
  keys: Map<string, OrganizationKey>,
): D1PreparedStatement | null {
  const wanted = new Map<string, [number, number, string]>();
  for (const h of hits) {
    if (h.message.productType !== "B2C" || !h.identity) continue;
    const device = states.get(h.message.organizationId)!.devices.get(deviceId(h.day, h.device));
    for (const visit of device?.visits ?? []) {
      for (const key of [...(visit.o ? [visit.o] : []), ...(visit.p ?? []).map((p) => p[1])]) {
        wanted.set(`${orgKey(keys, h)}|${h.day}|${key}`, [orgKey(keys, h), h.day, key]);
      }
    }
  }
  if (wanted.size === 0) return null;
  return db
    .prepare(
      `SELECT t.org, t.key, t.text FROM json_each(?) j
       CROSS JOIN anonymous_texts t ON t.org = j.value ->> 0 AND t.day = j.value ->> 1 AND t.key = j.value ->> 2`,
    )
    .bind(JSON.stringify([...wanted.values()]));
}

/**
 * Puts the texts found into the states, then, for what `anonymous_texts` did not keep (past its daily
 * cap), the day's top pages of the organizations that have some identified B2C hit.
 */
export async function addTexts(
  states: Map<string, OrganizationState>,
  groups: Map<string, PreparedHit[]>,
  result: D1Result | undefined,
  topPages: Map<string, string[]>,
): Promise<void> {
  const byKey = new Map([...states.values()].map((s) => [s.key, s]));
  for (const row of (result?.results ?? []) as { org: number; key: string; text: string }[]) {
    byKey.get(row.org)!.texts.set(row.key, row.text);
  }
  await Promise.all(
    [...groups].map(async ([organizationId, hits]) => {
      if (!hits.some((h) => h.message.productType === "B2C" && h.identity)) return;
      const texts = states.get(organizationId)!.texts;
      for (const path of topPages.get(organizationId) ?? []) {
        const key = await textKey(path);
        if (!texts.has(key)) texts.set(key, path);
      }
    }),
  );
}

/** H3: the address rows of the batch's B2C hits. */
export function addressesStatement(db: D1Database, hits: PreparedHit[], keys: Map<string, OrganizationKey>) {
  const rows = new Map(
    hits.flatMap((h) =>
      h.address ? [[`${orgKey(keys, h)}|${h.day}|${h.address}`, [orgKey(keys, h), h.day, h.address]]] : [],
    ),
  );
  return db
    .prepare(
      `SELECT a.org, a.day, a.address, a.version, a.people FROM json_each(?) j
       CROSS JOIN address_days a ON a.day = j.value ->> 1 AND a.org = j.value ->> 0 AND a.address = j.value ->> 2`,
    )
    .bind(JSON.stringify([...rows.values()]));
}

export function addAddresses(states: Map<string, OrganizationState>, result: D1Result) {
  const byKey = new Map([...states.values()].map((s) => [s.key, s]));
  type AddressRow = { org: number; day: number; address: string; version: number; people: string };
  for (const row of result.results as AddressRow[]) {
    const people = row.people.match(new RegExp(`.{${SALTED_KEY_LENGTH}}`, "g")) ?? [];
    byKey.get(row.org)!.addresses.set(addressId(row.day, row.address), { ...row, people });
  }
}

/**
 * H3: per B2C organization, the people charged within the hour before its latest hit in the batch
 * (receipts of `person` charges, counted up to the ceiling).
 */
export function lastHourStatement(db: D1Database, hits: PreparedHit[], keys: Map<string, OrganizationKey>) {
  const since = new Map<number, number>();
  for (const h of hits) {
    if (h.message.productType !== "B2C") continue;
    const key = orgKey(keys, h);
    since.set(key, Math.max(since.get(key) ?? 0, h.at - 3600));
  }
  return db
    .prepare(
      `SELECT j.value ->> 0 AS org, (SELECT count(*) FROM (SELECT 1 FROM charges c WHERE c.org = j.value ->> 0
         AND c.at > j.value ->> 1 AND c.type = 'person' LIMIT ${PEOPLE_PER_HOUR})) AS people
       FROM json_each(?) j`,
    )
    .bind(JSON.stringify([...since]));
}

export function addLastHour(states: Map<string, OrganizationState>, result: D1Result) {
  const byKey = new Map([...states.values()].map((s) => [s.key, s]));
  for (const row of result.results as { org: number; people: number }[])
    byKey.get(row.org)!.peopleLastHour = row.people;
}
