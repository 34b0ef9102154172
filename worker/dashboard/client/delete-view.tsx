import { Hono } from "hono";
import { deleteSegment } from "../../segments/queries";
import type { DashboardEnv } from "../context";
import { adminOnly, notFoundPage } from "../signed-in";
import { feedPage } from "./companies";
import { feedRequest } from "./feed-request";
import { clientRoot } from "./frame";

const PATH = "/o/:organizationId/views/:viewId/delete";

/** `POST /o/{organizationId}/views/{viewId}/delete` (client admins): a saved view goes, unless an alert rule or a digest reads it. */
export const deleteViewRoute = new Hono<DashboardEnv>().use(PATH, adminOnly).post(PATH, async (c) => {
  const session = c.get("session");
  const viewId = c.req.param("viewId");
  const deleted = await deleteSegment(
    c.var.tenant.DB,
    { partnerId: session.partnerId, organizationId: c.get("organization").id },
    viewId,
    { type: "client_user", id: session.id, email: session.email },
  );
  if (deleted === "not_found") return notFoundPage(c);
  if (deleted === "deleted") return c.redirect(`${clientRoot(c)}/companies?deleted=1`, 303);
  const reasons = [
    ...(deleted.usedBy.length > 0
      ? [`alert rules use it (${deleted.usedBy.map((r) => `“${r.name}”`).join(", ")})`]
      : []),
    ...(deleted.digestRecipients.length > 0
      ? [`digests use it (${deleted.digestRecipients.map((r) => r.email).join(", ")})`]
      : []),
  ];
  return feedPage(c, feedRequest(c, { view: [viewId] }), {
    problem: `This view is not deleted: ${reasons.join("; ")}. Change or delete them first.`,
    code: 409,
  });
});
