import { Hono } from "hono";
import { PRODUCT_TYPES, TIERS, TRIAL_CREDIT_LIMIT, type ProductType, type Tier } from "../../../shared/billing";
import { sha256Hex } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";
import { randomHex } from "../../lib/ids";
import { createOrganization } from "../../organizations/create";
import { websiteReferrers } from "../../organizations/pixel";
import { poolOf } from "../../insights/console/queries";
import { consoleMay } from "../../sessions/rules";
import type { DashboardContext, DashboardEnv } from "../context";
import { consoleRole } from "../signed-in";
import { Csrf } from "../ui/components";
import { count } from "../ui/format";
import { render } from "../ui/layout";
import { clientHref } from "./client";
import { consoleFrame } from "./clients";
import { consoleActor, refusalText, wholeNumber } from "./forms";

const PATH = "/console/clients/new";

interface Typed {
  /** The form's own id: the same form posted twice creates one client. */
  request: string;
  name: string;
  website: string;
  tier: string;
  productType: string;
  credits: string;
}

/**
 * `GET`/`POST /console/clients/new` (staff and admins): a new client (sub-organization) with its
 * website (its pixel then counts visits from that domain and its subdomains) and, for console
 * admins, a first allocation from the partner's pool, as `POST …/organizations` does. Each form
 * carries an id of its own from which the organization's id derives: posted twice, even at once,
 * it creates one client and allocates once.
 */
export const newClientRoute = new Hono<DashboardEnv>()
  .use(PATH, consoleRole("staff"))
  .get(PATH, (c) =>
    page(c, { request: randomHex(16), name: "", website: "", tier: "trial", productType: "B2B", credits: "0" }),
  )
  .post(PATH, async (c) => {
    const form = await c.req.parseBody();
    const field = (name: keyof Typed) => (typeof form[name] === "string" ? (form[name] as string).trim() : "");
    const typed: Typed = {
      request: field("request"),
      name: field("name"),
      website: field("website"),
      tier: field("tier"),
      productType: field("productType"),
      credits: field("credits") || "0",
    };
    if (!/^[0-9a-f]{32}$/.test(typed.request))
      return page(c, { ...typed, request: randomHex(16) }, [
        "This form has expired: check it and create the client again.",
      ]);
    const session = c.get("session");
    const admin = consoleMay(session.role, "admin");
    const referrers = websiteReferrers(typed.website);
    const credits = wholeNumber(typed.credits);
    const problems = [
      ...(typed.name.length === 0 || typed.name.length > 255
        ? ["Enter the client's name (up to 255 characters)."]
        : []),
      ...(referrers ? [] : ["Enter the client's website as a domain, such as acme.example."]),
      ...(TIERS.includes(typed.tier as Tier) ? [] : ["Choose a plan."]),
      ...(PRODUCT_TYPES.includes(typed.productType as ProductType) ? [] : ["Choose what the client identifies."]),
      ...(credits === null ? ["Enter the credits as a whole number, 0 or more."] : []),
      ...(credits && !admin ? ["Only console admins allocate credits: create the client with 0."] : []),
    ];
    if (problems.length > 0) return page(c, typed, problems);
    const id = `org_${(await sha256Hex(`console-client|${session.id}|${typed.request}`)).slice(0, 32)}`;
    let outcome;
    try {
      outcome = await createOrganization(
        c.var.tenant,
        session.partnerId,
        {
          name: typed.name,
          initialCredits: credits!,
          metadata: {},
          tier: typed.tier as Tier,
          billingPeriod: "monthly",
          productType: typed.productType as ProductType,
          allowedReferrers: referrers!,
        },
        { id, actor: consoleActor(session) },
      );
    } catch (error) {
      if (error instanceof ApiError) return page(c, typed, [refusalText(error)]);
      throw error;
    }
    return c.redirect(`${clientHref(c, outcome.row.id)}?done=${outcome.created ? "created" : "already"}`, 303);
  });

async function page(c: DashboardContext, typed: Typed, problems: string[] = []) {
  const session = c.get("session");
  const admin = consoleMay(session.role, "admin");
  const pool = admin ? await poolOf(c.var.tenant, session.partnerId) : null;
  const body = (
    <NewClientPage
      typed={typed}
      problems={problems}
      admin={admin}
      pool={pool}
      base={c.get("base")}
      csrf={c.get("csrf")}
    />
  );
  return render(c, consoleFrame(c, "New client"), body, problems.length > 0 ? 400 : 200);
}

/**
 * The new-client form as typed, with why it was refused; the credits field for console admins
 * only (`pool`: the partner's, null when billed by usage); `base`: the dashboard's.
 */
export function NewClientPage(props: {
  typed: Typed;
  problems: string[];
  admin: boolean;
  pool: Awaited<ReturnType<typeof poolOf>>;
  base: string;
  csrf: string;
}) {
  const { typed, problems, admin, pool, base, csrf } = props;
  const described = problems.length > 0 ? "problems" : undefined;
  return (
    <>
      <p class="crumbs">
        <a href={`${base}/console`}>Clients</a>
      </p>
      <h1>New client</h1>
      {problems.length > 0 && (
        <div class="errors" role="alert" id="problems">
          <h2>The client was not created</h2>
          <ul>
            {problems.map((p) => (
              <li>{p}</li>
            ))}
          </ul>
        </div>
      )}
      <form method="post" action={`${base}${PATH}`} class="card stack narrow">
        <Csrf token={csrf} />
        <input type="hidden" name="request" value={typed.request} />
        <div>
          <label for="name">Name</label>
          <input id="name" name="name" required maxlength={255} value={typed.name} aria-describedby={described} />
        </div>
        <div>
          <label for="website">Website</label>
          <input
            id="website"
            name="website"
            required
            placeholder="acme.example"
            value={typed.website}
            aria-describedby={described ? `website-help ${described}` : "website-help"}
          />
          <small id="website-help" class="muted">
            Its script counts visits from this domain and its subdomains only.
          </small>
        </div>
        <div>
          <label for="tier">Plan</label>
          <select id="tier" name="tier">
            <option value="trial" selected={typed.tier !== "paid"}>
              Trial (up to {TRIAL_CREDIT_LIMIT} credits)
            </option>
            <option value="paid" selected={typed.tier === "paid"}>
              Paid
            </option>
          </select>
        </div>
        <div>
          <label for="productType">Identifies</label>
          <select id="productType" name="productType">
            <option value="B2B" selected={typed.productType !== "B2C"}>
              Companies (B2B)
            </option>
            <option value="B2C" selected={typed.productType === "B2C"}>
              People (B2C)
            </option>
          </select>
        </div>
        {admin ? (
          <div>
            <label for="credits">Credits per period</label>
            <input
              id="credits"
              name="credits"
              type="number"
              inputmode="numeric"
              min={0}
              step={1}
              value={typed.credits}
              aria-describedby={described ? `credits-help ${described}` : "credits-help"}
            />
            <small id="credits-help" class="muted">
              {pool
                ? `Taken from your pool: ${count(pool.available)} of ${count(pool.total)} not yet allocated.`
                : "A spending cap: you are billed by usage."}
            </small>
          </div>
        ) : (
          <p class="muted">The client starts with 0 credits; console admins allocate credits.</p>
        )}
        <div>
          <button type="submit">Create client</button>
        </div>
      </form>
    </>
  );
}
