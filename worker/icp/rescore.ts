import { isoSeconds } from "../lib/time";
import { sendJobs, type RescoreIcpJob } from "../jobs/message";
import { isoOf, ORGANIZATION_KEY, type VisitorRow } from "../visitors/identity";
import { enabledConfigsOf, toEvaluable, type IcpConfigRow } from "./configs";
import { evaluateIcp, type EvaluableConfig, type IcpResult, type VisitorFacts } from "./evaluate";
import type { TenantEnv } from "../shards";

/** Visitors re-scored per job invocation: keeps one invocation small (D1 time, memory). */
export const RESCORE_PAGE_SIZE = 500;
/** Page conditions look at the visitor's most viewed paths, up to this many. */
export const PATHS_PER_VISITOR = 200;
/** Configs using `last_seen_days` change results as time passes: their organization is re-swept this often. */
const SWEEP_DELAY_SECONDS = 12 * 3600;
export const UPDATES_PER_BATCH = 100;

/** A visitor with its identity, its organization and its most viewed paths (a JSON array), as scoring reads it. */
export type FactsRow = VisitorRow & { organization_id: string; paths: string };

const SELECT_FACTS = `
  SELECT v.*, k.organization_id,
    (SELECT json_group_array(path) FROM (SELECT path FROM page_views WHERE visitor = v.seq
       GROUP BY path ORDER BY count(*) DESC, path LIMIT ${PATHS_PER_VISITOR})) AS paths
  FROM visitors v JOIN organization_keys k ON k.key = v.org`;

export function factsOf(row: FactsRow): VisitorFacts {
  // A company's own location is firmographic; the visit's location stands in when the company has none.
  const companyLocated = row.hq_country !== null || row.hq_region !== null || row.hq_city !== null;
  return {
    utmSource: row.utm_source,
    utmMedium: row.utm_medium,
    utmCampaign: row.utm_campaign,
    utmTerm: row.utm_term,
    utmContent: row.utm_content,
    industry: row.industry,
    employeeRange: row.employee_range,
    country: companyLocated ? row.hq_country : row.country,
    region: companyLocated ? row.hq_region : row.region,
    city: companyLocated ? row.hq_city : row.city,
    domain: row.domain ?? row.company_domain ?? row.email_domain,
    jobTitle: row.job_title,
    linkedinUrl: row.linkedin_url,
    pageViews: row.page_views,
    sessions: row.sessions,
    lastSeenAt: isoOf(row.last_seen),
    paths: JSON.parse(row.paths) as string[],
  };
}

/** A visitor touched by the hits consumer (its stored id). */
export interface VisitorRef {
  organizationId: string;
  visitorId: string;
}

/** The enabled configs and the config generation of each organization. */
export interface Scoring {
  configs: Map<string, EvaluableConfig[]>;
  generations: Map<string, number>;
}

/** What scoring these organizations' visitors needs, for a batch of reads (`scoringFrom` reads the answers). */
export function scoringStatements(db: D1Database, organizationIds: string[]): D1PreparedStatement[] {
  return [
    enabledConfigsOf(db, organizationIds),
    db
      .prepare(
        "SELECT organization_id, generation FROM icp_generations WHERE organization_id IN (SELECT value FROM json_each(?))",
      )
      .bind(JSON.stringify(organizationIds)),
  ];
}

export function scoringFrom([configRows, generationRows]: D1Result[]): Scoring {
  return {
    configs: groupConfigs(configRows!.results as IcpConfigRow[]),
    generations: new Map(
      (generationRows!.results as { organization_id: string; generation: number }[]).map((g) => [
        g.organization_id,
        g.generation,
      ]),
    ),
  };
}

/** A visitor as scoring read it after a batch was stored, and its ICP result now (null: no enabled config). */
export interface ScoredVisitor {
  row: FactsRow;
  result: IcpResult | null;
}

/**
 * After the hits consumer stored a batch: the facts of the visitors it touched in organizations with
 * enabled configs, and of `also` (visitors whose facts the batch's alerts need), in one read; their new
 * ICP results; and the guarded writes of the results that changed, for the caller to run with its own
 * writes. Configs were read with the batch (`scoringStatements`); organizations without enabled configs
 * are not read for scoring.
 */
export async function scoreVisitors(
  db: D1Database,
  touched: VisitorRef[],
  scoring: Scoring,
  also: VisitorRef[] = [],
): Promise<{ visitors: Map<string, ScoredVisitor>; writes: D1PreparedStatement[] }> {
  const refs = new Map<string, VisitorRef>();
  for (const r of [...touched.filter((r) => scoring.configs.has(r.organizationId)), ...also]) {
    refs.set(`${r.organizationId}|${r.visitorId}`, r);
  }
  if (refs.size === 0) return { visitors: new Map(), writes: [] };
  const { results } = await db
    .prepare(
      `${SELECT_FACTS} JOIN json_each(?) AS r
         ON k.organization_id = r.value ->> 0 AND v.org = k.key AND v.id = r.value ->> 1`,
    )
    .bind(JSON.stringify([...refs.values()].map((r) => [r.organizationId, r.visitorId])))
    .all<FactsRow>();
  const now = Date.now();
  const visitors = new Map<string, ScoredVisitor>();
  const scored: { row: FactsRow; result: IcpResult; generation: number }[] = [];
  for (const row of results) {
    const configs = scoring.configs.get(row.organization_id);
    const result = configs ? evaluateIcp(configs, factsOf(row), now) : null;
    visitors.set(`${row.organization_id}|${row.id}`, { row, result });
    if (result) scored.push({ row, result, generation: scoring.generations.get(row.organization_id) ?? 0 });
  }
  return { visitors, writes: scoreWrites(db, scored) };
}

/**
 * One page of a rescoring pass, for the job queue. Stops when a newer config generation
 * exists (its own pass covers everything); otherwise scores the page and enqueues the next.
 */
export async function rescoreIcpPage(env: TenantEnv, job: RescoreIcpJob): Promise<void> {
  const db = env.DB;
  // One batch is one transaction: configs, generation and visitors are a consistent snapshot.
  const [generationRows, configRows, visitorRows] = await db.batch<{ generation: number } | IcpConfigRow | FactsRow>([
    db.prepare("SELECT generation FROM icp_generations WHERE organization_id = ?").bind(job.organizationId),
    enabledConfigsOf(db, [job.organizationId]),
    db
      // Cursor on the unique (org, id) index: each page is an index range, not a scan.
      .prepare(`${SELECT_FACTS} WHERE v.org = ${ORGANIZATION_KEY} AND v.id > ? ORDER BY v.id LIMIT ?`)
      .bind(job.organizationId, job.after ?? "", RESCORE_PAGE_SIZE),
  ]);
  const generation = (generationRows!.results[0] as { generation: number } | undefined)?.generation ?? 0;
  if (generation !== job.generation) return;
  const configs = (configRows!.results as IcpConfigRow[]).map(toEvaluable);
  const rows = visitorRows!.results as FactsRow[];
  const now = Date.now();
  await runInBatches(
    db,
    scoreWrites(
      db,
      rows.map((row) => ({ row, result: evaluateIcp(configs, factsOf(row), now), generation })),
    ),
  );

  if (rows.length === RESCORE_PAGE_SIZE) {
    await sendJobs(env, [{ ...job, after: rows.at(-1)!.id }]);
  } else if (configs.some(usesTime)) {
    await scheduleSweep(env, job);
  }
}

/** Enqueues the next full pass in 12 hours, once per pass even when a page ran twice. */
async function scheduleSweep(env: TenantEnv, job: RescoreIcpJob): Promise<void> {
  const now = Date.now();
  const { meta } = await env.DB.prepare(
    `UPDATE icp_generations SET last_sweep_at = ?
     WHERE organization_id = ? AND generation = ? AND (last_sweep_at IS NULL OR last_sweep_at <= ?)`,
  )
    .bind(isoSeconds(now), job.organizationId, job.generation, isoSeconds(now - (SWEEP_DELAY_SECONDS / 2) * 1000))
    .run();
  if (meta.changes === 1) await sendJobs(env, [{ ...job, after: null }], { delaySeconds: SWEEP_DELAY_SECONDS });
}

const usesTime = (config: EvaluableConfig) =>
  config.groups.some((g) => g.conditions.some((c) => c.type === "last_seen_days"));

function groupConfigs(rows: IcpConfigRow[]): Map<string, EvaluableConfig[]> {
  const byOrganization = new Map<string, EvaluableConfig[]>();
  for (const row of rows) {
    const list = byOrganization.get(row.organization_id) ?? [];
    list.push(toEvaluable(row));
    byOrganization.set(row.organization_id, list);
  }
  return byOrganization;
}

/**
 * The writes of results that differ from what is stored. Each write is guarded: it lands only if the
 * visitor's counters are what was scored (else a newer hit's rescoring owns it) and the config
 * generation is unchanged (else the newer generation's pass owns it).
 */
function scoreWrites(
  db: D1Database,
  scored: { row: FactsRow; result: IcpResult; generation: number }[],
): D1PreparedStatement[] {
  const update = db.prepare(
    `UPDATE visitors SET icp_matched = ?, icp_score = ?, icp_config_id = ?
     WHERE seq = ? AND page_views = ? AND sessions = ? AND last_seen = ?
       AND coalesce((SELECT generation FROM icp_generations WHERE organization_id = ?), 0) = ?`,
  );
  return scored
    .filter(
      ({ row, result }) =>
        (row.icp_matched === 1) !== result.matched ||
        row.icp_score !== result.score ||
        row.icp_config_id !== result.configId,
    )
    .map(({ row, result, generation }) =>
      update.bind(
        result.matched ? 1 : 0,
        result.score,
        result.configId,
        row.seq,
        row.page_views,
        row.sessions,
        row.last_seen,
        row.organization_id,
        generation,
      ),
    );
}

/** Runs writes in batches of `UPDATES_PER_BATCH`. */
export async function runInBatches(db: D1Database, writes: D1PreparedStatement[]): Promise<void> {
  for (let i = 0; i < writes.length; i += UPDATES_PER_BATCH) await db.batch(writes.slice(i, i + UPDATES_PER_BATCH));
}
