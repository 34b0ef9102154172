import { findAlert } from "../../../alerts/queries";
import type { SaveContext } from "../../../alerts/save";
import type { DigestContext } from "../../../digests/settings";
import type { Alert } from "../../../alerts/schemas";
import { ApiError } from "../../../lib/errors";
import type { DashboardContext } from "../../context";
import { clientRoot } from "../frame";

/** `/o/{organizationId}/notifications` below the dashboard's base. */
export const notificationsRoot = (c: DashboardContext) => `${clientRoot(c)}/notifications`;

export const alertHref = (c: DashboardContext, alertId: string) => `${notificationsRoot(c)}/alerts/${alertId}`;

/** Who saves through this page: the signed-in client user, on this origin (the alert's messages link here). */
export function saveContext(c: DashboardContext): SaveContext {
  const session = c.get("session");
  return {
    partnerId: session.partnerId,
    organizationId: c.get("organization").id,
    origin: new URL(c.req.url).origin,
    actor: { type: "client_user", id: session.id, email: session.email },
  };
}

/** The same for digests (their mails link to the dashboard on this origin). */
export const digestContext = (c: DashboardContext): DigestContext => saveContext(c);

/** The organization's alert, or null when it has none with this id (its pages then answer 404). */
export const alertOrNull = (c: DashboardContext, alertId: string): Promise<Alert | null> =>
  unlessGone(findAlert(c.var.tenant.DB, c.get("organization").id, alertId));

/** A domain call on an alert that may have been deleted meanwhile: null for its 404. */
export async function unlessGone<T>(work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ApiError && error.code === "NotFound") return null;
    throw error;
  }
}
