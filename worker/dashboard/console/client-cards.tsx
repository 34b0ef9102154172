import { TRIAL_CREDIT_LIMIT } from "../../../shared/billing";
import type { AuditAction } from "../../audit/actions";
import type { ConsoleClientDetail } from "../../insights/console/queries";
import type { Pixel } from "../../organizations/pixel";
import { Csrf, Scroll } from "../ui/components";
import { ago, count, day, time } from "../ui/format";

type Organization = ConsoleClientDetail["organization"];

/** The partner's pool as the console shows it; null when billed by usage. */
export interface PoolView {
  total: number;
  allocated: number;
  available: number;
}

export function CreditsCard(props: {
  organization: Organization;
  pool: PoolView | null;
  action: string | null;
  csrf: string;
  value?: string;
  note?: string;
}) {
  const o = props.organization;
  return (
    <section class="card" aria-labelledby="credits-h">
      <h2 id="credits-h">Credits</h2>
      <p class="figure" data-field="credits">
        {count(o.creditsUsed)} <span class="muted">used of {count(o.credits)}</span>
      </p>
      <meter min={0} max={Math.max(1, o.credits)} value={o.creditsUsed} aria-label="Credits used this period" />
      <p class="muted">
        {count(o.creditsAvailable)} available until {day(o.currentPeriodEnd)}.{" "}
        {props.pool
          ? `Your pool: ${count(props.pool.available)} of ${count(props.pool.total)} not yet allocated.`
          : "Billed by usage: the allocation is a spending cap."}
      </p>
      {props.action ? (
        <form method="post" action={props.action} class="stack">
          <Csrf token={props.csrf} />
          <input type="hidden" name="expected" value={String(o.credits)} />
          <div>
            <label for="credits">Allocation per period (at least the {count(o.creditsUsed)} used)</label>
            <input
              id="credits"
              name="credits"
              type="number"
              inputmode="numeric"
              min={o.creditsUsed}
              max={o.tier === "trial" ? TRIAL_CREDIT_LIMIT : undefined}
              step={1}
              required
              value={props.value ?? String(o.credits)}
              aria-describedby="credits-help"
            />
            <small id="credits-help" class="muted">
              The new total, not an increment.{o.tier === "trial" && ` A trial holds at most ${TRIAL_CREDIT_LIMIT}.`}
            </small>
          </div>
          <div>
            <label for="note">Note for the ledger (optional)</label>
            <input id="note" name="note" maxlength={500} value={props.note ?? ""} />
          </div>
          <div>
            <button type="submit">Save allocation</button>
          </div>
        </form>
      ) : (
        <p class="muted">Console admins change allocations.</p>
      )}
    </section>
  );
}

export function StatusCard(props: { organization: Organization; action: string | null; csrf: string }) {
  const o = props.organization;
  const active = o.status === "active";
  return (
    <section class="card" aria-labelledby="status-h">
      <h2 id="status-h">Status</h2>
      <p data-field="status">
        {active ? (
          <>
            <span class="badge ok">Active</span> Its script counts visits; identified companies use credits.
          </>
        ) : (
          <>
            <span class="badge warn">Paused</span> since {time(o.updatedAt)}: its script is empty, nothing is counted or
            charged.
          </>
        )}
      </p>
      {props.action && (
        <form method="post" action={props.action}>
          <Csrf token={props.csrf} />
          <input type="hidden" name="enabled" value={active ? "0" : "1"} />
          <button type="submit" class={active ? "quiet" : undefined}>
            {active ? "Pause client" : "Resume client"}
          </button>
        </form>
      )}
    </section>
  );
}

export function AccessCard(props: {
  name: string;
  open: string;
  mail: string | null;
  csrf: string;
  email?: string;
  role?: string;
}) {
  return (
    <section class="card" aria-labelledby="access-h">
      <h2 id="access-h">Dashboard</h2>
      <form method="post" action={props.open}>
        <Csrf token={props.csrf} />
        <button type="submit">
          Open dashboard<span class="sr"> of {props.name}</span>
        </button>
      </form>
      {props.mail && (
        <form method="post" action={props.mail} class="stack session">
          <Csrf token={props.csrf} />
          <h3>E-mail a sign-in link</h3>
          <div>
            <label for="email">E-mail address</label>
            <input id="email" name="email" type="email" autocomplete="off" required value={props.email ?? ""} />
          </div>
          <div>
            <label for="role">Role</label>
            <select id="role" name="role">
              <option value="viewer" selected={props.role !== "admin"}>
                Viewer: sees the dashboard
              </option>
              <option value="admin" selected={props.role === "admin"}>
                Admin: also manages exclusions and saved views
              </option>
            </select>
          </div>
          <p class="muted">The link works once, within 24 hours.</p>
          <div>
            <button type="submit" class="quiet">
              Send link
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

export function InstallCard(props: { pixel: Pixel; lastHitAt: string | null; warning: boolean }) {
  const { pixel } = props;
  return (
    <section class="card" aria-labelledby="install-h">
      <h2 id="install-h">Install</h2>
      <p>
        {props.lastHitAt ? `Last hit ${ago(props.lastHitAt)}.` : "No hit yet."}
        {props.warning && <span class="warn"> ⚠ No hit in the last 24 h: check the script tag.</span>}
      </p>
      <label for="tag">Script tag, for every page of the client's website</label>
      <textarea id="tag" rows={3} readonly spellcheck={false}>
        {pixel.scriptTag}
      </textarea>
      <p class="muted">
        Counts visits from{" "}
        {pixel.allowedReferrers.length > 0 ? pixel.allowedReferrers.join(", ") : "every website (no domain set)"}.
      </p>
    </section>
  );
}

export function Allocations(props: { allocations: ConsoleClientDetail["allocations"] }) {
  return (
    <section class="card" aria-labelledby="allocations-h">
      <h2 id="allocations-h">Allocations</h2>
      {props.allocations.length === 0 ? (
        <p class="empty">No allocation yet.</p>
      ) : (
        <Scroll label="Allocations">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col" class="n">
                  Credits
                </th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {props.allocations.map((a) => (
                <tr>
                  <td class="nowrap">{time(a.at)}</td>
                  <td class="n">{count(a.credits)}</td>
                  <td>{a.note ?? "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </section>
  );
}

export interface ActivityEntry {
  action: AuditAction;
  actor: { type: string; email: string | null };
  details: Record<string, unknown>;
  createdAt: string;
}

/** What an audit entry says, in words. */
function what(entry: ActivityEntry): string {
  const d = entry.details;
  switch (entry.action) {
    case "organization.created":
      return "Client created";
    case "organization.disabled":
      return "Paused";
    case "organization.enabled":
      return "Resumed";
    case "credits.allocated":
      return `Allocation set to ${count(Number(d.credits))} (was ${count(Number(d.previous))})`;
    case "dashboard_link.created":
      return `Sign-in link ${d.mailed ? "mailed to" : "created for"} ${String(d.email)} (${String(d.role)})`;
    case "client_dashboard.opened":
      return "Dashboard opened from the console";
    case "session.started":
      return "Signed in";
    case "session.signed_out":
      return "Signed out";
    case "exclusions.updated":
      return "Exclusions changed";
    case "companies.exported":
      return "Companies exported";
    default:
      return entry.action;
  }
}

export function Activity(props: { entries: ActivityEntry[] }) {
  return (
    <section class="card" aria-labelledby="activity-h">
      <h2 id="activity-h">Recent activity</h2>
      {props.entries.length === 0 ? (
        <p class="empty">Nothing yet.</p>
      ) : (
        <Scroll label="Recent activity">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
              </tr>
            </thead>
            <tbody>
              {props.entries.map((e) => (
                <tr data-action={e.action}>
                  <td class="nowrap">{time(e.createdAt)}</td>
                  <td>{e.actor.email ?? "API key"}</td>
                  <td>{what(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </section>
  );
}
