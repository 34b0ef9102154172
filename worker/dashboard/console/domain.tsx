import { Hono } from "hono";
import { configOf } from "../../config";
import { ApiError } from "../../lib/errors";
import { domainVerification, verifyDomain } from "../../partners/domain-setup";
import type { DashboardContext, DashboardEnv } from "../context";
import { Csrf, Kpi, Scroll } from "../ui/components";
import { ago, day } from "../ui/format";
import { render } from "../ui/layout";
import { consoleFrame } from "./clients";

type Verification = Awaited<ReturnType<typeof domainVerification>>;
type Checks = Awaited<ReturnType<typeof verifyDomain>>["checks"];

const TLS_TEXT: Record<Verification["tls"], { label: string; tone: "ok" | "warn" | "bad" | "muted" }> = {
  active: { label: "Certificate active", tone: "ok" },
  pending: { label: "Certificate pending", tone: "warn" },
  creating: { label: "Not requested yet (retried automatically)", tone: "warn" },
  failed: { label: "Validation failed", tone: "bad" },
  not_provisioned: { label: "Provided by the platform's operator", tone: "muted" },
};

/** The page: the domain's state, the records to add, and a "check now" button. Props only. */
export function DomainPage(props: {
  base: string;
  csrf: string;
  verification: Verification | null;
  checks?: Checks;
  error?: string;
}) {
  const v = props.verification;
  if (!v) {
    return (
      <>
        <h1>Custom domain</h1>
        <p class="empty card">
          No custom domain is set. Your developers set one through the API (<code>PUT /api/v1/partner/domain</code>);
          your clients then load the script and open their dashboards on it.
        </p>
      </>
    );
  }
  const tls = TLS_TEXT[v.tls];
  const cf = v.customHostname;
  return (
    <>
      <h1>Custom domain</h1>
      <p class="sub">
        <strong class="path">{v.domain}</strong>
      </p>
      {props.error && (
        <div class="errors" role="alert">
          {props.error}
        </div>
      )}
      {props.checks && (
        <div class="status" role="status">
          Checked just now.{" "}
          {props.checks.cname.ok && props.checks.txt.ok
            ? "Both DNS records were found."
            : `DNS: CNAME ${props.checks.cname.ok ? "found" : "not found yet"}, TXT ${props.checks.txt.ok ? "found" : "not found yet"}.`}{" "}
          DNS changes can take a few minutes to be seen.
        </div>
      )}
      <div class="kpis">
        <Kpi
          label="DNS"
          value={v.verified ? <span class="ok">Verified</span> : <span class="warn">Not verified yet</span>}
          note={
            v.verified && v.verifiedAt
              ? `since ${day(v.verifiedAt)}`
              : v.claimExpiresAt
                ? `Unless verified, the claim lapses on ${day(v.claimExpiresAt)}`
                : undefined
          }
        />
        <Kpi
          label="TLS"
          value={<span class={tls.tone}>{tls.label}</span>}
          note={cf ? `Cloudflare: ${cf.status ?? "not created"} / certificate ${cf.sslStatus ?? "none"}` : undefined}
        />
        <Kpi
          label="Active"
          value={v.active ? <span class="ok">Live</span> : <span class="warn">Not yet</span>}
          note={
            v.active
              ? `Script tags and dashboard links use https://${v.domain}`
              : "Script tags and links stay on the platform's address until the domain is verified and its certificate is active."
          }
        />
      </div>
      {cf && cf.errors.length > 0 && (
        // While pending, Cloudflare's notes are the normal state ("does not CNAME … yet"); failed, they are why.
        <div class={v.tls === "failed" ? "errors" : "card"} role={v.tls === "failed" ? "alert" : undefined}>
          <h2>{v.tls === "failed" ? "Why validation failed" : "What Cloudflare reports so far"}</h2>
          <ul>
            {cf.errors.map((e) => (
              <li>{e}</li>
            ))}
          </ul>
          {v.tls === "failed" && <p>Fix the records below, then check again: validation starts over.</p>}
        </div>
      )}
      <h2>DNS records to add</h2>
      <p class="muted">At the DNS provider of {v.domain}. Keep them in place once the domain is live.</p>
      <Scroll label="DNS records">
        <table>
          <caption class="sr">DNS records to add</caption>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {v.dnsRecords.map((r) => (
              <tr>
                <td>{r.type}</td>
                <td class="path">
                  <code>{r.name}</code>
                </td>
                <td class="path">
                  <code>{r.value}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
      <form method="post" action={`${props.base}/console/domain/check`} class="actions check-now">
        <Csrf token={props.csrf} />
        <button type="submit">Check now</button>
        {cf?.checkedAt && <span class="muted">Cloudflare last asked {ago(cf.checkedAt)}</span>}
      </form>
    </>
  );
}

/** The host the platform's records are computed for: its configured origin, not a partner's domain the console may be on. */
const platformUrl = (c: DashboardContext) => configOf(c.env).dashboardBaseUrl ?? c.req.url;

async function page(c: DashboardContext, extra: { checks?: Checks; error?: string } = {}) {
  let verification: Verification | null = null;
  try {
    verification = await domainVerification(c.env, c.get("session").partnerId, platformUrl(c));
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "NotFound")) throw error;
  }
  return render(
    c,
    consoleFrame(c, "Custom domain", "domain"),
    <DomainPage base={c.get("base")} csrf={c.get("csrf")} verification={verification} {...extra} />,
  );
}

/**
 * `GET /console/domain`: the partner's custom domain (DNS, TLS, live) and the records to add;
 * `POST /console/domain/check` checks now, as `POST /api/v1/partner/domain/verify` does. Checking
 * changes nothing the partner chose, so the console may do it; setting the domain stays with the API.
 */
export const domainRoute = new Hono<DashboardEnv>()
  .get("/console/domain", (c) => page(c))
  .post("/console/domain/check", async (c) => {
    try {
      const { checks } = await verifyDomain(c.env, c.get("session").partnerId, platformUrl(c));
      return page(c, { checks });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return page(c, { error: error.message });
    }
  });
