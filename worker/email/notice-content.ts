import type { EmailKey } from "../../shared/email";
import { brandOf } from "../insights/brand/queries";
import type { TenantEnv } from "../shards";
import type { EmailContent, EmailFact } from "./template";
import type { Balance, NoticeData } from "../notices/data";

const day = (iso: string) => iso.slice(0, 10);
/** "Acme Widgets' script", "Contoso Dental's script". */
const possessive = (name: string) => (name.endsWith("s") ? `${name}'` : `${name}'s`);
const count = (n: number) => n.toLocaleString("en-US");

/**
 * The mail of a notice, to the partner's support address (null when it has none); null when the
 * organization is gone.
 */
export async function noticeContent<K extends EmailKey>(
  tenant: TenantEnv,
  kind: K,
  organizationId: string,
  data: NoticeData[K],
): Promise<{ to: string | null; mail: EmailContent } | null> {
  const organization = await tenant.DB.prepare("SELECT partner_id, name, external_id FROM organizations WHERE id = ?")
    .bind(organizationId)
    .first<{ partner_id: string; name: string; external_id: string | null }>();
  if (!organization) return null;
  const brand = await brandOf(tenant.CATALOG, organization.partner_id);
  if (!brand) return null;
  const org = organization.name;
  const facts: EmailFact[] = [{ label: "Client", value: org }];
  if (organization.external_id) facts.push({ label: "Your id", value: organization.external_id });
  const mail = (subject: string, paragraphs: string[], more: EmailFact[] = []): EmailContent => ({
    subject,
    heading: subject,
    paragraphs,
    sections: [{ facts: [...facts, ...more] }],
    reason: `You get this e-mail as the support contact of ${brand.name}, about your client ${org}. Turn these notices off in your e-mail preferences.`,
  });
  const balance = (b: Balance): EmailFact[] => [
    { label: "Credits left", value: count(b.creditsAvailable) },
    { label: "Allocation", value: count(b.creditsAllocated) },
    { label: "Period started", value: day(b.periodStart) },
  ];

  let content: EmailContent;
  switch (kind) {
    case "credits_low": {
      const d = data as NoticeData["credits_low"];
      content = mail(
        `${org} is running low on credits`,
        [
          `${org} has ${count(d.creditsAvailable)} of its ${count(d.creditsAllocated)} credits left in this billing period.`,
          "When none are left, new visitors are no longer identified until the next period begins or the allocation is raised.",
        ],
        balance(d),
      );
      break;
    }
    case "credits_exhausted": {
      const d = data as NoticeData["credits_exhausted"];
      content = mail(
        `${org} has used all its credits`,
        [
          `New visitors to ${possessive(org)} website are no longer identified until the next billing period begins or its allocation is raised.`,
        ],
        balance(d),
      );
      break;
    }
    case "first_visitor_identified": {
      const d = data as NoticeData["first_visitor_identified"];
      const visitor = d.company ? await firstCompany(tenant, organizationId) : null;
      content = mail(
        `${org}: the first visitor is identified`,
        [
          `The script on ${possessive(org)} website works: its first visitor was identified${visitor ? `, ${visitor}` : ""}.`,
        ],
        [{ label: "When", value: `${d.at.replace("T", " ").replace("Z", "")} UTC` }],
      );
      break;
    }
    case "subscription_activated": {
      const d = data as NoticeData["subscription_activated"];
      content = mail(d.reactivated ? `${org} is active again` : `${org} is active`, [
        `${possessive(org)} script identifies visitors${d.reactivated ? " again" : ""} from now on, within its credits.`,
      ]);
      break;
    }
    case "subscription_canceled":
      content = mail(`${org} is canceled`, [
        `${possessive(org)} script no longer identifies visitors and it is no longer charged. Its data is kept, and it can be enabled again at any time.`,
      ]);
      break;
    case "renewal_receipt": {
      const d = data as NoticeData["renewal_receipt"];
      content = mail(
        `${org}: billing period ${day(d.periodStart)} to ${day(d.periodEnd)}`,
        [`${possessive(org)} billing period ended and the next one began. What it used:`],
        [
          { label: "Period", value: `${day(d.periodStart)} to ${day(d.periodEnd)}` },
          { label: "Allocation", value: count(d.allocation) },
          { label: "Used", value: count(d.consumed) },
          { label: "Adjustments", value: count(d.adjusted) },
          { label: "Expired unused", value: count(d.expired) },
        ],
      );
      break;
    }
    default:
      content = mail(`${org}: a payment failed`, [`A payment for ${org} failed.`]);
  }
  return { to: brand.supportEmail, mail: content };
}

/** "Harborline Logistics (harborline.example)": the organization's first company visitor still stored. */
async function firstCompany(tenant: TenantEnv, organizationId: string): Promise<string | null> {
  const row = await tenant.DB.prepare(
    `SELECT v.name, v.domain FROM visitors v JOIN organization_keys k ON v.org = k.key
     WHERE k.organization_id = ? AND v.type = 'company' ORDER BY v.first_seen LIMIT 1`,
  )
    .bind(organizationId)
    .first<{ name: string | null; domain: string | null }>();
  if (!row?.name) return null;
  return row.domain ? `${row.name} (${row.domain})` : row.name;
}
