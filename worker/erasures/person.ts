import { auditStatement } from "../audit/queries";
import type { Env } from "../env";
import { personInOrganizationPage } from "../people/queries";
import { isoSeconds } from "../lib/time";
import { eraseVisitor } from "../visitors/erasure";
import { findErasure } from "./queries";

/** Organizations per job: each is a counter call and two D1 round trips. */
export const ERASURE_PAGE_SIZE = 25;

/**
 * One page of a person's erasure (docs/privacy.md#erasure): in each organization of the page, the
 * visitor the person is there is erased as a visitor erasure does, counter included; the cursor
 * moves after each organization, so a retried job resumes where the last one stopped, and erasing
 * again what is gone finds nothing. The last page completes the erasure: the email hash is
 * forgotten and `person.erased` is audited (with the erasure id, not the hash), in one batch.
 */
export async function erasePersonPage(env: Env, erasureId: string): Promise<void> {
  const db = env.DB;
  const erasure = await findErasure(db, erasureId);
  if (!erasure || erasure.status === "completed" || erasure.email_sha256 === null) return;
  await db.prepare("UPDATE erasures SET status = 'running' WHERE id = ? AND status = 'pending'").bind(erasureId).run();
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
      .prepare("UPDATE erasures SET after = ?, organizations = ? WHERE id = ?")
      .bind(place.organizationId, organizations, erasureId)
      .run();
  }
  if (places.length === ERASURE_PAGE_SIZE) {
    await env.JOBS.send({ type: "people.erase", erasureId });
    return;
  }
  const actor =
    erasure.actor_type === "api_key"
      ? { type: erasure.actor_type, id: erasure.actor_id }
      : { type: erasure.actor_type, id: erasure.actor_id, email: erasure.actor_email ?? "" };
  await db.batch([
    db
      .prepare(
        "UPDATE erasures SET status = 'completed', email_sha256 = NULL, after = NULL, completed_at = ? WHERE id = ?",
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
