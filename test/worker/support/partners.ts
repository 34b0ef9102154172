import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { everyTenant, tenantOfPartner, type TenantEnv } from "../../../worker/shards";
import { admin, asPartner } from "./api";

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}${crypto.randomUUID().slice(0, 6)}`;

/** A new partner with its own key; every test makes its own so tests never share data. */
export async function newPartner(overrides: Record<string, unknown> = {}) {
  const res = await admin("POST", "/partners", {
    name: "Agency",
    slug: `agency-${unique()}`,
    billingMode: "credit_pool",
    creditPoolTotal: 100_000,
    ...overrides,
  });
  expect(res.status, res.text).toBe(201);
  return { partner: res.body.partner, key: res.body.plainKey as string, api: asPartner(res.body.plainKey) };
}

/** A partner with one organization and its pixel key. */
export async function newOrganization(
  orgBody: Record<string, unknown> = {},
  partnerOverrides: Record<string, unknown> = {},
) {
  const p = await newPartner(partnerOverrides);
  const created = await p.api("POST", "/organizations", {
    name: "Client",
    tier: "paid",
    initialCredits: 100,
    ...orgBody,
  });
  expect(created.status, created.text).toBe(201);
  const organization = created.body.organization;
  const pixel = await p.api("GET", `/organizations/${organization.id}/pixel`);
  return { ...p, organization, pixelKey: pixel.body.pixel.apiKey as string };
}

/** Imports a company owning `cidr`; returns its domain. */
export async function importCompany(cidr: string | string[], name = `Company ${unique()}`) {
  const domain = `${unique()}.example`;
  const res = await admin("POST", "/companies", [
    { name, domain, industry: "Software", employeeRange: "51-200", country: "US", ipRanges: [cidr].flat() },
  ]);
  expect(res.status, res.text).toBe(200);
  return domain;
}

/** The tenant shard of a partner (from the catalog). */
export const tenantOf = (partnerId: string) => tenantOfPartner(env, partnerId);

/** The tenant shard holding an organization: the one whose `organizations` has it (null: none has). */
export async function organizationTenant(organizationId: string): Promise<TenantEnv | null> {
  for (const tenant of everyTenant(env)) {
    const found = await tenant.DB.prepare("SELECT 1 FROM organizations WHERE id = ?").bind(organizationId).first();
    if (found) return tenant;
  }
  return null;
}

/** `organizationTenant` for an organization that exists. */
export async function tenantOfOrganization(organizationId: string): Promise<TenantEnv> {
  const tenant = await organizationTenant(organizationId);
  if (!tenant) throw new Error(`organization ${organizationId} is in no shard`);
  return tenant;
}

/** The organization's key in the visitor tables, created as the consumer does on its first hit. */
export async function organizationKey(organizationId: string): Promise<number> {
  const { DB } = await tenantOfOrganization(organizationId);
  await DB.prepare("INSERT OR IGNORE INTO organization_keys (organization_id, salt) VALUES (?, ?)")
    .bind(organizationId, crypto.randomUUID())
    .run();
  const row = await DB.prepare("SELECT key FROM organization_keys WHERE organization_id = ?")
    .bind(organizationId)
    .first<{ key: number }>();
  return row!.key;
}
