import { saltedKey } from "../visitors/keys";
import { DEBIT_SEQ } from "../credits/mirror";
import { personIdentity } from "../identify/identifier";
import { publicVisitorId, type SessionRow, type VisitorRow } from "../visitors/identity";

/**
 * A person (by email hash) across a partner's organizations. Nothing is stored under the hash: in
 * each organization the person is the visitor whose id is the keyed hash of their identity with
 * that organization's salt, computed here exactly as the hits consumer does.
 */

export interface PageViewRow {
  visitor: number;
  session: number;
  at: number;
  path: string;
  engaged_seconds: number;
  scroll_depth: number | null;
}

/**
 * Each of the partner's organizations that has a key (since its first hit or ledger entry in D1), with the
 * visitor id the person has there.
 */
export async function personInOrganizations(db: D1Database, partnerId: string, emailSha256: string) {
  const { results } = await db
    .prepare(
      `SELECT o.id, o.name, k.key, k.salt FROM organizations o JOIN organization_keys k ON k.organization_id = o.id
       WHERE o.partner_id = ? ORDER BY o.created_at, o.id`,
    )
    .bind(partnerId)
    .all<OrganizationSalt>();
  return placesOf(results, emailSha256);
}

/** The same, one page of organizations by id: those after `after` (null = from the first). */
export async function personInOrganizationPage(
  db: D1Database,
  partnerId: string,
  emailSha256: string,
  after: string | null,
  limit: number,
) {
  const { results } = await db
    .prepare(
      `SELECT o.id, o.name, k.key, k.salt FROM organizations o JOIN organization_keys k ON k.organization_id = o.id
       WHERE o.partner_id = ?1 AND (?2 IS NULL OR o.id > ?2) ORDER BY o.id LIMIT ?3`,
    )
    .bind(partnerId, after, limit)
    .all<OrganizationSalt>();
  return placesOf(results, emailSha256);
}

interface OrganizationSalt {
  id: string;
  name: string;
  key: number;
  salt: string;
}

function placesOf(organizations: OrganizationSalt[], emailSha256: string) {
  const identity = personIdentity(emailSha256).key;
  return Promise.all(
    organizations.map(async (o) => ({
      organizationId: o.id,
      organizationName: o.name,
      org: o.key,
      visitor: await saltedKey(o.salt, identity),
    })),
  );
}

export type PersonPlace = Awaited<ReturnType<typeof personInOrganizations>>[number];

/**
 * Everything stored under the person's visitor ids: visitor rows, sessions, page views, receipts and
 * ledger entries. Five queries whatever the number of organizations.
 */
export async function storyOf(db: D1Database, places: PersonPlace[]) {
  const pairs = JSON.stringify(places.map((p) => [p.org, p.visitor]));
  const [visitors, charges, ledger] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT v.*, ic.name AS icp_config_name FROM json_each(?) j
         JOIN visitors v ON v.org = j.value ->> '$[0]' AND v.id = j.value ->> '$[1]'
         LEFT JOIN icp_configs ic ON ic.id = v.icp_config_id`,
      )
      .bind(pairs),
    db
      .prepare(
        `SELECT c.org, c.at, c.event_id, c.visitor, c.type, c.period_start, ${DEBIT_SEQ} AS ledger_seq
         FROM json_each(?) j JOIN charges c ON c.org = j.value ->> '$[0]' AND c.visitor = j.value ->> '$[1]'
         ORDER BY c.org, c.at, c.event_id`,
      )
      .bind(pairs),
    db
      .prepare(
        `SELECT l.* FROM json_each(?) j JOIN ledger_entries l
           ON l.org = j.value ->> '$[0]' AND l.identity_key = j.value ->> '$[1]'
         ORDER BY l.org, l.seq`,
      )
      .bind(JSON.stringify(places.map((p) => [p.org, publicVisitorId(p.visitor)]))),
  ]);
  const seqs = JSON.stringify((visitors!.results as { seq: number }[]).map((v) => v.seq));
  const [sessions, pageViews] = await db.batch<Record<string, unknown>>([
    db
      .prepare("SELECT * FROM sessions WHERE visitor IN (SELECT value FROM json_each(?)) ORDER BY visitor, start")
      .bind(seqs),
    db
      .prepare(
        `SELECT visitor, session, at, path, engaged_seconds, scroll_depth FROM page_views
         WHERE visitor IN (SELECT value FROM json_each(?)) ORDER BY visitor, session, at, key`,
      )
      .bind(seqs),
  ]);
  return {
    visitors: visitors!.results as unknown as (VisitorRow & { icp_config_name: string | null })[],
    charges: charges!.results as unknown as {
      org: number;
      at: number;
      event_id: string;
      visitor: string;
      type: VisitorRow["type"];
      period_start: number;
      ledger_seq: number | null;
    }[],
    ledger: ledger!.results,
    sessions: sessions!.results as unknown as SessionRow[],
    pageViews: pageViews!.results as unknown as PageViewRow[],
  };
}
