import type { Actor } from "../audit/actions";
import { auditStatement } from "../audit/queries";
import { isUniqueViolation } from "../lib/errors";
import { randomHex } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import { SegmentFilterSchema, type SegmentFilter } from "./filter";

/** Saved segments per organization: enough for every view, alert and digest a team keeps. */
export const MAX_SEGMENTS_PER_ORGANIZATION = 50;
/** Characters in a segment's name. */
export const MAX_SEGMENT_NAME = 100;

export interface Segment {
  id: string;
  organizationId: string;
  name: string;
  filter: SegmentFilter;
  createdAt: string;
  updatedAt: string;
}

interface SegmentRow {
  id: string;
  organization_id: string;
  name: string;
  filter: string;
  created_at: string;
  updated_at: string;
}

export const toSegment = (row: SegmentRow): Segment => ({
  id: row.id,
  organizationId: row.organization_id,
  name: row.name,
  filter: SegmentFilterSchema.parse(JSON.parse(row.filter)),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Whose segments: the partner (for the audit log) and its organization. */
export interface SegmentOwner {
  partnerId: string;
  organizationId: string;
}

/** One segment of an organization, or null when it has none with this id. */
export async function findSegment(db: D1Database, organizationId: string, segmentId: string): Promise<Segment | null> {
  const row = await db
    .prepare("SELECT * FROM segments WHERE id = ? AND organization_id = ?")
    .bind(segmentId, organizationId)
    .first<SegmentRow>();
  return row ? toSegment(row) : null;
}

/** A page of the organization's segments, oldest first, and how many it has. */
export async function listSegments(db: D1Database, organizationId: string, page: { limit: number; offset: number }) {
  const [rows, count] = await db.batch<SegmentRow | { total: number }>([
    db
      .prepare("SELECT * FROM segments WHERE organization_id = ? ORDER BY created_at, id LIMIT ? OFFSET ?")
      .bind(organizationId, page.limit, page.offset),
    db.prepare("SELECT count(*) AS total FROM segments WHERE organization_id = ?").bind(organizationId),
  ]);
  return {
    segments: (rows!.results as SegmentRow[]).map(toSegment),
    total: (count!.results[0] as { total: number }).total,
  };
}

/** Every segment of the organization, oldest first (at most MAX_SEGMENTS_PER_ORGANIZATION). */
export async function allSegments(db: D1Database, organizationId: string): Promise<Segment[]> {
  const { results } = await db
    .prepare("SELECT * FROM segments WHERE organization_id = ? ORDER BY created_at, id")
    .bind(organizationId)
    .all<SegmentRow>();
  return results.map(toSegment);
}

/** Why a segment was not written. */
export type SegmentRefusal = { reason: "name_taken"; name: string } | { reason: "limit"; limit: number };

/**
 * Saves a new segment and its audit entry. Names are unique per organization (ignoring ASCII case),
 * and the limit is checked inside the insert, so concurrent creations cannot pass it together.
 */
export async function createSegment(
  db: D1Database,
  owner: SegmentOwner,
  input: { name: string; filter: SegmentFilter },
  actor: Actor,
): Promise<{ segment: Segment } | SegmentRefusal> {
  const now = Date.now();
  // Ids sort by creation time (milliseconds first), so segments of the same second list in the order they were made.
  const id = `seg_${now.toString(16).padStart(12, "0")}${randomHex(10)}`;
  const at = isoSeconds(now);
  try {
    const [insert] = await db.batch([
      db
        .prepare(
          `INSERT INTO segments (id, organization_id, name, filter, created_at, updated_at)
           SELECT ?1, ?2, ?3, ?4, ?5, ?5 WHERE (SELECT count(*) FROM segments WHERE organization_id = ?2) < ?6`,
        )
        .bind(id, owner.organizationId, input.name, JSON.stringify(input.filter), at, MAX_SEGMENTS_PER_ORGANIZATION),
      auditWhenSaved(db, owner, id, "segment.created", actor, { segmentId: id, name: input.name }),
    ]);
    if (insert!.meta.changes !== 1) return { reason: "limit", limit: MAX_SEGMENTS_PER_ORGANIZATION };
  } catch (error) {
    if (isUniqueViolation(error)) return { reason: "name_taken", name: input.name };
    throw error;
  }
  return { segment: (await findSegment(db, owner.organizationId, id))! };
}

/** Changes what is sent (the filter is replaced whole); null when the organization has no such segment. */
export async function updateSegment(
  db: D1Database,
  owner: SegmentOwner,
  segmentId: string,
  change: { name?: string; filter?: SegmentFilter },
  actor: Actor,
): Promise<{ segment: Segment } | SegmentRefusal | null> {
  try {
    const [update] = await db.batch([
      db
        .prepare(
          `UPDATE segments SET name = coalesce(?, name), filter = coalesce(?, filter), updated_at = ?
           WHERE id = ? AND organization_id = ?`,
        )
        .bind(
          change.name ?? null,
          change.filter ? JSON.stringify(change.filter) : null,
          isoSeconds(),
          segmentId,
          owner.organizationId,
        ),
      auditWhenSaved(db, owner, segmentId, "segment.updated", actor, {
        segmentId,
        changed: Object.keys(change).filter((k) => change[k as keyof typeof change] !== undefined),
      }),
    ]);
    if (update!.meta.changes !== 1) return null;
  } catch (error) {
    if (isUniqueViolation(error) && change.name !== undefined) return { reason: "name_taken", name: change.name };
    throw error;
  }
  return { segment: (await findSegment(db, owner.organizationId, segmentId))! };
}

/** The alert rules of the organization that read this segment (`alert_rules.segment_id`). */
export async function rulesUsingSegment(
  db: D1Database,
  organizationId: string,
  segmentId: string,
): Promise<{ id: string; name: string }[]> {
  const { results } = await db
    .prepare("SELECT id, name FROM alert_rules WHERE organization_id = ? AND segment_id = ?")
    .bind(organizationId, segmentId)
    .all<{ id: string; name: string }>();
  return results;
}

/** The digest recipients of the organization whose digests read this segment (`digest_recipients.segment_id`). */
export async function digestRecipientsUsingSegment(
  db: D1Database,
  organizationId: string,
  segmentId: string,
): Promise<{ email: string; frequency: string }[]> {
  const { results } = await db
    .prepare(
      "SELECT email, frequency FROM digest_recipients WHERE organization_id = ? AND segment_id = ? ORDER BY position",
    )
    .bind(organizationId, segmentId)
    .all<{ email: string; frequency: string }>();
  return results;
}

/** What still reads a segment: alert rules and digest recipients. */
export interface SegmentUsers {
  usedBy: { id: string; name: string }[];
  digestRecipients: { email: string; frequency: string }[];
}

const usersOf = async (db: D1Database, organizationId: string, segmentId: string): Promise<SegmentUsers> => ({
  usedBy: await rulesUsingSegment(db, organizationId, segmentId),
  digestRecipients: await digestRecipientsUsingSegment(db, organizationId, segmentId),
});

/**
 * Deletes a segment that no alert rule and no digest reads, with its audit entry: `deleted`,
 * `not_found`, or the rules and digest recipients that still read it (they must change first).
 */
export async function deleteSegment(
  db: D1Database,
  owner: SegmentOwner,
  segmentId: string,
  actor: Actor,
): Promise<"deleted" | "not_found" | SegmentUsers> {
  const segment = await findSegment(db, owner.organizationId, segmentId);
  if (!segment) return "not_found";
  const users = await usersOf(db, owner.organizationId, segmentId);
  if (users.usedBy.length > 0 || users.digestRecipients.length > 0) return users;
  try {
    await db.batch([
      auditWhenSaved(db, owner, segmentId, "segment.deleted", actor, { segmentId, name: segment.name }),
      db.prepare("DELETE FROM segments WHERE id = ? AND organization_id = ?").bind(segmentId, owner.organizationId),
    ]);
  } catch (error) {
    // A rule or a digest recipient added meanwhile holds the segment by its foreign key: the batch rolled back whole.
    if (/FOREIGN KEY/.test(String(error))) return usersOf(db, owner.organizationId, segmentId);
    throw error;
  }
  return "deleted";
}

/** The audit entry of a segment write, in the write's batch: recorded only when the segment exists (the write happened). */
function auditWhenSaved(
  db: D1Database,
  owner: SegmentOwner,
  segmentId: string,
  action: "segment.created" | "segment.updated" | "segment.deleted",
  actor: Actor,
  details: Record<string, unknown>,
): D1PreparedStatement {
  return auditStatement(db, { ...owner, action, actor, details }, Date.now(), {
    sql: "EXISTS (SELECT 1 FROM segments WHERE id = ? AND organization_id = ?)",
    params: [segmentId, owner.organizationId],
  });
}
