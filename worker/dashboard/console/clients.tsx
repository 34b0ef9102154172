import { Hono } from "hono";
import { consoleClients, poolOf, type ConsoleClient } from "../../insights/console/queries";
import type { DashboardContext, DashboardEnv } from "../context";
import { consoleMay, type ConsoleRole, type SessionRole } from "../../sessions/rules";
import { Csrf, Scroll } from "../ui/components";
import { ago, count, day } from "../ui/format";
import { render, type Frame } from "../ui/layout";

export const CONSOLE_PAGE_SIZE = 50;

/** What each console role may do, as the clients page says it. */
const ROLE_TEXT: Record<ConsoleRole, string> = {
  viewer: "who may view clients and open their dashboards",
  staff: "who may create, pause and resume clients and send dashboard links",
  admin: "who may create, pause and resume clients, send dashboard links and allocate credits",
};

export function consoleFrame(c: DashboardContext, title: string, page: "clients" | "domain" = "clients"): Frame {
  const base = c.get("base");
  return {
    title,
    context: "Console",
    nav: [
      { label: "Clients", href: `${base}/console`, current: page === "clients" },
      { label: "Domain", href: `${base}/console/domain`, current: page === "domain" },
    ],
    signOut: { action: `${base}/console/sign-out`, csrf: c.get("csrf") },
  };
}

/** `GET /console`: every client with its credits, identifications and install status; the pool meter. */
export const clientsRoute = new Hono<DashboardEnv>().get("/console", async (c) => {
  const session = c.get("session");
  const page = Math.max(1, Math.floor(Number(c.req.query("page")) || 1));
  const [{ clients, total }, pool] = await Promise.all([
    consoleClients(c.var.tenant, session.partnerId, page, CONSOLE_PAGE_SIZE),
    poolOf(c.var.tenant, session.partnerId),
  ]);
  const body = (
    <ClientsPage
      clients={clients}
      total={total}
      pool={pool}
      page={page}
      role={session.role}
      email={session.email}
      base={c.get("base")}
      csrf={c.get("csrf")}
    />
  );
  return render(c, consoleFrame(c, "Clients"), body);
});

/**
 * Page `page` of the partner's clients (of `total`) with the pool (null: billed by usage), for a
 * member of the partner's staff (`email`, `role`); `base`: the dashboard's.
 */
export function ClientsPage(props: {
  clients: ConsoleClient[];
  total: number;
  pool: Awaited<ReturnType<typeof poolOf>>;
  page: number;
  role: SessionRole;
  email: string;
  base: string;
  csrf: string;
}) {
  const { clients, total, pool, page, role, email, base, csrf } = props;
  const pages = Math.max(1, Math.ceil(total / CONSOLE_PAGE_SIZE));
  return (
    <>
      <div class="bar">
        <h1>Clients</h1>
        {consoleMay(role, "staff") && (
          <a class="btn" href={`${base}/console/clients/new`}>
            New client
          </a>
        )}
      </div>
      <p class="sub">
        Signed in as {email}, {ROLE_TEXT[role as ConsoleRole] ?? role}.
      </p>
      <div class="kpis">
        <dl class="kpi card">
          <dt>Credit pool</dt>
          {pool ? (
            <dd>
              {count(pool.allocated)} <span class="muted">of {count(pool.total)} allocated</span>
              <meter min={0} max={Math.max(1, pool.total)} value={pool.allocated} aria-label="Credit pool allocated" />
              <small>{count(pool.available)} available to allocate</small>
            </dd>
          ) : (
            <dd>
              Billed by usage<small>No pool: each client's allocation is a spending cap.</small>
            </dd>
          )}
        </dl>
        <dl class="kpi card">
          <dt>Clients</dt>
          <dd>
            {count(total)}
            <small>{clients.filter((x) => x.installWarning).length} on this page without a hit in 24 h</small>
          </dd>
        </dl>
      </div>
      {clients.length === 0 ? (
        <p class="empty card">No client yet. Create one here, or through the API.</p>
      ) : (
        <Scroll label="Clients">
          <table>
            <caption class="sr">Clients</caption>
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col">Status</th>
                <th scope="col">Tier</th>
                <th scope="col">Credits this period</th>
                <th scope="col" class="n">
                  Identified, 7 days
                </th>
                <th scope="col" class="n">
                  Identified, 30 days
                </th>
                <th scope="col">Install</th>
                <th scope="col">
                  <span class="sr">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {clients.map((client) => (
                <Row client={client} href={`${base}/console/clients/${client.organization.id}`} csrf={csrf} />
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      {pages > 1 && (
        <nav class="pager" aria-label="Pages">
          {page > 1 && <a href={`${base}/console?page=${page - 1}`}>Previous page</a>}
          <span>
            Page {page} of {pages}
          </span>
          {page < pages && <a href={`${base}/console?page=${page + 1}`}>Next page</a>}
        </nav>
      )}
    </>
  );
}

function Row(props: { client: ConsoleClient; href: string; csrf: string }) {
  const { organization: o, lastHitAt, installWarning } = props.client;
  return (
    <tr data-organization={o.id}>
      <th scope="row">
        <a href={props.href}>{o.name}</a>
        {o.externalId && <div class="muted">{o.externalId}</div>}
      </th>
      <td>{o.status === "suspended" ? "paused" : o.status}</td>
      <td>{o.tier}</td>
      <td>
        <span data-field="credits">
          {count(o.creditsUsed)} / {count(o.credits)}
        </span>
        <meter min={0} max={Math.max(1, o.credits)} value={o.creditsUsed} aria-label={`Credits used by ${o.name}`} />
        <div class="muted nowrap">until {day(o.currentPeriodEnd)}</div>
      </td>
      <td class="n" data-field="identified-7">
        {count(props.client.identifiedLast7Days)}
      </td>
      <td class="n" data-field="identified-30">
        {count(props.client.identifiedLast30Days)}
      </td>
      <td>
        {lastHitAt ? <span>Last hit {ago(lastHitAt)}</span> : <span>No hit yet</span>}
        {installWarning && <div class="warn">⚠ No hit in the last 24 h: check the script tag</div>}
      </td>
      <td>
        <form method="post" action={`${props.href}/open`}>
          <Csrf token={props.csrf} />
          <button type="submit" class="quiet">
            Open dashboard<span class="sr"> of {o.name}</span>
          </button>
        </form>
      </td>
    </tr>
  );
}
