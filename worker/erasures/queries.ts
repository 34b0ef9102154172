import type { Actor } from "../audit/actions";
import { newId } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import type { ErasureStatus } from "./schemas";

export interface ErasureRow {
  id: string;
  partner_id: string;
  email_sha256: string | null;
  status: ErasureStatus;
  organizations: number;
  after: string | null;
  actor_type: Actor["type"];
  actor_id: string;
  actor_email: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export const toErasure = (row: ErasureRow) => ({
  id: row.id,
  status: row.status,
  ...(row.email_sha256 === null ? {} : { emailSha256: row.email_sha256 }),
  organizations: row.organizations,
  createdAt: row.created_at,
  completedAt: row.completed_at,
});

export async function createErasure(db: D1Database, partnerId: string, emailSha256: string, actor: Actor) {
  return (await db
    .prepare(
      `INSERT INTO erasures (id, partner_id, email_sha256, status, actor_type, actor_id, actor_email, created_at,
         updated_at)
       VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?7) RETURNING *`,
    )
    .bind(
      newId("era"),
      partnerId,
      emailSha256,
      actor.type,
      actor.id,
      actor.type === "api_key" ? null : actor.email,
      isoSeconds(),
    )
    .first<ErasureRow>())!;
}

/** The erasure, of this partner when one is given. */
export async function findErasure(db: D1Database, id: string, partnerId?: string) {
  return db
    .prepare("SELECT * FROM erasures WHERE id = ?1 AND (?2 IS NULL OR partner_id = ?2)")
    .bind(id, partnerId ?? null)
    .first<ErasureRow>();
}
