import { Hono } from "hono";
import { createSegment, MAX_SEGMENT_NAME } from "../../segments/queries";
import type { DashboardEnv } from "../context";
import { adminOnly } from "../signed-in";
import { feedPage } from "./companies";
import { feedRequest, formParams } from "./feed-request";
import { viewHref } from "./frame";

const PATH = "/o/:organizationId/views";

/** `POST /o/{organizationId}/views` (client admins): "Save this view", the feed's filter as a segment of the organization. */
export const saveViewRoute = new Hono<DashboardEnv>().use(PATH, adminOnly).post(PATH, async (c) => {
  const params = formParams(await c.req.parseBody({ all: true }));
  const request = feedRequest(c, { ...params, view: undefined });
  const name = (params.name?.[0] ?? "").trim();
  const refuse = (problem: string, code: 400 | 409) => feedPage(c, request, { save: { name, problem }, code });
  if (request.problems.length > 0) return feedPage(c, request, { code: 400 });
  if (!name) return refuse("Give the view a name.", 400);
  if (name.length > MAX_SEGMENT_NAME) return refuse(`The name is longer than ${MAX_SEGMENT_NAME} characters.`, 400);
  const session = c.get("session");
  const saved = await createSegment(
    c.var.tenant.DB,
    { partnerId: session.partnerId, organizationId: c.get("organization").id },
    { name, filter: request.query.filter },
    { type: "client_user", id: session.id, email: session.email },
  );
  if ("segment" in saved) return c.redirect(`${viewHref(c, saved.segment.id)}&saved=1`, 303);
  return saved.reason === "name_taken"
    ? refuse(`A view named “${name}” exists already: choose another name.`, 409)
    : refuse(`There are ${saved.limit} saved views already: delete one first.`, 409);
});
