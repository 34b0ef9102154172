import type { Context } from "hono";
import type { Env } from "../env";
import type { TenantEnv } from "../shards";
import type { Brand, OrganizationHeader } from "../insights/brand/queries";
import type { Segment } from "../segments/queries";
import type { DashboardSession } from "../sessions/sessions";

/** Hono environment of the dashboard and the console. */
export interface DashboardEnv {
  Bindings: Env;
  Variables: {
    /** Path prefix of every dashboard URL: "" on a partner's domain, "/app" on the platform host. */
    base: string;
    /** The partner whose pages these are, once known (from the host, the session or the link). */
    brand: Brand | null;
    session: DashboardSession;
    /** The session's CSRF token, for the forms of the page. */
    csrf: string;
    /** The signed-in partner's tenant shard. */
    tenant: TenantEnv;
    /** The client's organization (client pages only). */
    organization: OrganizationHeader;
    /** The organization's saved views of the company feed: its segments (client pages only). */
    savedViews: Segment[];
  };
}

export type DashboardContext = Context<DashboardEnv>;
