import { Hono } from "hono";
import { listAudit } from "../../audit/queries";
import { consoleClient, poolOf } from "../../insights/console/queries";
import { organizationRow } from "../../organizations/organization";
import { pixelOf } from "../../organizations/pixel";
import { consoleMay, type SessionRole } from "../../sessions/rules";
import type { DashboardContext, DashboardEnv } from "../context";
import { notFoundPage } from "../signed-in";
import { day } from "../ui/format";
import { render, type PageStatus } from "../ui/layout";
import { consoleFrame } from "./clients";
import { AccessCard, Activity, Allocations, CreditsCard, InstallCard, StatusCard } from "./client-cards";

/** Audit entries shown under "Recent activity". */
const ACTIVITY_SHOWN = 10;

/** What an action's redirect (`?done=`) tells on the client's page. */
const DONE = {
  created: "Client created. Add the script tag below to every page of its website.",
  already: "This form had created the client already: nothing was created twice.",
  credits: "Allocation saved.",
  paused: "Client paused: its script is empty and nothing is counted or charged until you resume it.",
  resumed: "Client resumed: its script counts visits again.",
} as const;

export const clientHref = (c: DashboardContext, organizationId: string) =>
  `${c.get("base")}/console/clients/${organizationId}`;

/** The partner's client behind an action's path, unless there is none or it was canceled (the console's 404). */
export async function liveClient(c: DashboardContext) {
  const row = await organizationRow(c.var.tenant.DB, c.get("session").partnerId, c.req.param("organizationId")!);
  return row && row.status !== "canceled" ? row : null;
}

/** `GET /console/clients/{organizationId}`: one client, with what the console user's role may do to it. */
export const clientRoute = new Hono<DashboardEnv>().get("/console/clients/:organizationId", (c) => {
  const done = c.req.query("done");
  return clientPage(c, c.req.param("organizationId"), {
    status: done && done in DONE ? DONE[done as keyof typeof DONE] : undefined,
  });
});

/** What a client's page shows besides the client: an action's outcome, a refused form with what was typed. */
export interface ClientExtras {
  status?: string;
  problem?: string;
  code?: PageStatus;
  credits?: { value: string; note: string };
  mail?: { email: string; role: string };
}

export async function clientPage(c: DashboardContext, organizationId: string, extras: ClientExtras = {}) {
  const session = c.get("session");
  const tenant = c.var.tenant;
  const [client, pool] = await Promise.all([
    consoleClient(tenant, session.partnerId, organizationId),
    poolOf(tenant, session.partnerId),
  ]);
  if (!client) return notFoundPage(c);
  const [pixel, activity] = await Promise.all([
    pixelOf(tenant, c.req.url, session.partnerId, organizationId),
    listAudit(tenant.DB, session.partnerId, { organizationId }, { limit: ACTIVITY_SHOWN, offset: 0, after: null }),
  ]);
  const page = (
    <ClientPage
      client={client}
      pool={pool}
      pixel={pixel}
      activity={activity.entries}
      role={session.role}
      base={c.get("base")}
      href={clientHref(c, organizationId)}
      csrf={c.get("csrf")}
      extras={extras}
    />
  );
  return render(c, consoleFrame(c, client.organization.name), page, extras.code ?? 200);
}

/**
 * One client's page, with the actions `role` may take on it (`href`: its page's address) and what
 * the last action said (`extras`); `base`: the dashboard's.
 */
export function ClientPage(props: {
  client: NonNullable<Awaited<ReturnType<typeof consoleClient>>>;
  pool: Awaited<ReturnType<typeof poolOf>>;
  pixel: Awaited<ReturnType<typeof pixelOf>>;
  activity: Awaited<ReturnType<typeof listAudit>>["entries"];
  role: SessionRole;
  base: string;
  href: string;
  csrf: string;
  extras: ClientExtras;
}) {
  const { client, pool, pixel, activity, role, base, href, csrf, extras } = props;
  const o = client.organization;
  return (
    <>
      <p class="crumbs">
        <a href={`${base}/console`}>Clients</a>
      </p>
      <h1>{o.name}</h1>
      <p class="sub">
        {o.tier === "trial" ? "Trial" : "Paid"} · {o.productType === "B2B" ? "companies (B2B)" : "people (B2C)"} ·
        client since {day(o.createdAt)}
        {o.externalId && ` · ${o.externalId}`}
      </p>
      {extras.status && (
        <p class="status" role="status">
          {extras.status}
        </p>
      )}
      {extras.problem && (
        <div class="errors" role="alert">
          <p>{extras.problem}</p>
        </div>
      )}
      <div class="grid">
        <CreditsCard
          organization={o}
          pool={pool}
          action={consoleMay(role, "admin") ? `${href}/credits` : null}
          csrf={csrf}
          {...extras.credits}
        />
        <StatusCard organization={o} action={consoleMay(role, "staff") ? `${href}/status` : null} csrf={csrf} />
        <AccessCard
          name={o.name}
          open={`${href}/open`}
          mail={consoleMay(role, "staff") ? `${href}/dashboard-links` : null}
          csrf={csrf}
          {...extras.mail}
        />
        <InstallCard pixel={pixel} lastHitAt={client.lastHitAt} warning={client.installWarning} />
      </div>
      <div class="grid">
        <Allocations allocations={client.allocations} />
        <Activity entries={activity} />
      </div>
    </>
  );
}
