import { Hono } from "hono";
import { recordAudit } from "../../audit/queries";
import { setAllocation } from "../../organizations/allocation";
import { allocationRefused } from "../../organizations/pool";
import type { DashboardEnv } from "../context";
import { consoleRole, notFoundPage } from "../signed-in";
import { count } from "../ui/format";
import { clientHref, clientPage, liveClient } from "./client";
import { consoleActor, refusalText, wholeNumber } from "./forms";

const PATH = "/console/clients/:organizationId/credits";

/**
 * `POST /console/clients/{organizationId}/credits` (console admins): sets the client's allocation
 * from the partner's pool, as `PUT …/credits` does. The form carries the allocation it was opened
 * with; the pool takes the change only while that still holds, so a form posted twice (or after
 * someone else's change) moves credits once. The ledger's note names the console user.
 */
export const creditsRoute = new Hono<DashboardEnv>().use(PATH, consoleRole("admin")).post(PATH, async (c) => {
  const row = await liveClient(c);
  if (!row) return notFoundPage(c);
  const form = await c.req.parseBody();
  const session = c.get("session");
  const credits = wholeNumber(form.credits);
  const expected = wholeNumber(form.expected);
  const typed = typeof form.note === "string" ? form.note.trim().slice(0, 500) : "";
  const refused = (problem: string, code: 400 | 409) =>
    clientPage(c, row.id, { problem, code, credits: { value: String(form.credits ?? ""), note: typed } });
  if (credits === null || expected === null) return refused("Enter the allocation as a whole number, 0 or more.", 400);
  const note = `Set in the console by ${session.email}${typed ? `: ${typed}` : ""}`;
  const result = await setAllocation(c.var.tenant, session.partnerId, row.id, { credits, note, expected });
  if (!result.ok && result.reason === "changed") {
    // Already what was asked (this form, posted twice): done, once.
    if (result.current === credits) return c.redirect(`${clientHref(c, row.id)}?done=credits`, 303);
    return refused(
      `The allocation changed to ${count(result.current)} while this page was open, so nothing was changed. Check the figures and try again.`,
      409,
    );
  }
  if (!result.ok && result.reason === "insufficient") {
    return refused(
      `Not enough credits left in your pool: this client can have at most ${count(result.available)}.`,
      400,
    );
  }
  if (!result.ok) return refused(refusalText(allocationRefused(result)), 400);
  await recordAudit(c.var.tenant.DB, {
    partnerId: session.partnerId,
    organizationId: row.id,
    action: "credits.allocated",
    actor: consoleActor(session),
    details: { credits, previous: expected, allocationId: result.allocationId, note: typed || null },
  });
  return c.redirect(`${clientHref(c, row.id)}?done=credits`, 303);
});
