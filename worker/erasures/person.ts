import { auditStatement } from "../audit/queries";
import type { TenantEnv } from "../shards";
import { personInOrganizationPage } from "../people/queries";
import { isoSeconds } from "../lib/time";
import { eraseVisitor } from "./visitor";
import { sendJobs } from "../jobs/message";
import { findErasure } from "./queries";

/** Organizations per job: each is a counter call and two D1 round trips. */
export const ERASURE_PAGE_SIZE = 25;
/** An erasure not completed that made no progress this long lost its job (e.g. to the dead-letter queue). */
export const ERASURE_STALL_MS = 15 * 60_000;

/**
 * One page of a person's erasure (docs/privacy.md#erasure): in each organization of the page, the
 * visitor the person is there is erased as a visitor erasure does, counter included; the cursor
 * moves after each organization, so a retried job resumes where the last one stopped, and erasing
 * again what is gone finds nothing. The last page completes the erasure: the email hash is
 * forgotten and `person.erased` is audited (with the erasure id, not the hash), in one batch.
 */
export async function erasePersonPage(env: TenantEnv, erasureId: string): Promise<void> {
  const db = env.DB;
  const erasure = await findErasure(db, erasureId);
  if (!erasure || erasure.status === "completed" || erasure.email_sha256 === null) return;
  await db
    .prepare("UPDATE erasures SET status = 'running', updated_at = ? WHERE id = ? AND status = 'pending'")
    .bind(isoSeconds(), erasureId)
    .run();
  const places = await personInOrganizationPage(
    db,
    erasure.partner_id,
    erasure.email_sha256,
    erasure.after,
    ERASURE_PAGE_SIZE,
  );
  let organizations = erasure.organizations;
  for (const place of places) {
    const erased = await eraseVisitor(env, place.organizationId, place.visitor, null);
    if (erased) organizations += 1;
    await db
      .prepare("UPDATE erasures SET after = ?, organizations = ?, updated_at = ? WHERE id = ?")
      .bind(place.organizationId, organizations, isoSeconds(), erasureId)
      .run();
  }
  if (places.length === ERASURE_PAGE_SIZE) {
    await sendJobs(env, [{ type: "people.erase", erasureId }]);
    return;
  }
  const actor =
    erasure.actor_type === "api_key"
      ? { type: erasure.actor_type, id: erasure.actor_id }
      : { type: erasure.actor_type, id: erasure.actor_id, email: erasure.actor_email ?? "" };
  await db.batch([
    db
      .prepare(
        `UPDATE erasures SET status = 'completed', email_sha256 = NULL, after = NULL, completed_at = ?1, updated_at = ?1
         WHERE id = ?2`,
      )
      .bind(isoSeconds(), erasureId),
    auditStatement(db, {
      partnerId: erasure.partner_id,
      organizationId: null,
      action: "person.erased",
      actor,
      details: { erasureId, organizations },
    }),
  ]);
}

/** Cron: erasures that stopped making progress are sent to the queue again, where they resume from their cursor. */
export async function resumeStalledErasures(env: TenantEnv): Promise<void> {
  const { results } = await env.DB.prepare(
    "SELECT id FROM erasures WHERE status != 'completed' AND updated_at < ? ORDER BY updated_at LIMIT 100",
  )
    .bind(isoSeconds(Date.now() - ERASURE_STALL_MS))
    .all<{ id: string }>();
  await sendJobs(
    env,
    results.map((r) => ({ type: "people.erase", erasureId: r.id })),
  );
}
