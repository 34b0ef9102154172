import { SegmentFilterSchema, type SegmentFilter } from "./filter";

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

/** One segment of an organization, or null when it has none with this id. */
export async function findSegment(db: D1Database, organizationId: string, segmentId: string): Promise<Segment | null> {
  const row = await db
    .prepare("SELECT * FROM segments WHERE id = ? AND organization_id = ?")
    .bind(segmentId, organizationId)
    .first<SegmentRow>();
  return row ? toSegment(row) : null;
}
