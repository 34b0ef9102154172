import type { AcceptedHit } from "../../../worker/collect/message";
import { sha256Hex } from "../../../worker/lib/crypto";
import { admin } from "./api";
import { newPartner } from "./partners";
import { accepted, freshIp } from "./hits";
import type { Shard } from "../../../worker/shards";

/** Helpers for B2C people: imported by email hash, identified by the pixel's identify call. */

type Api = Awaited<ReturnType<typeof newPartner>>["api"];

export interface B2cOrganization {
  id: string;
  pixelKey: string;
}

/** A new B2C organization of the partner, with its pixel key. */
export async function b2cOrganization(api: Api, name = "Shop"): Promise<B2cOrganization> {
  const created = await api("POST", "/organizations", { name, tier: "paid", initialCredits: 100, productType: "B2C" });
  if (created.status !== 201) throw new Error(created.text);
  const pixel = await api("GET", `/organizations/${created.body.organization.id}/pixel`);
  return { id: created.body.organization.id, pixelKey: pixel.body.pixel.apiKey };
}

/** A person imported by the operator; returns their email hash. */
export async function importedPerson(name = "Pat Doe"): Promise<string> {
  const hash = await sha256Hex(`${crypto.randomUUID()}@example.com`);
  const res = await admin("POST", "/people", [{ emailSha256: hash, name, jobTitle: "Buyer" }]);
  if (res.status !== 200) throw new Error(res.text);
  return hash;
}

/** A page view then an identify call of one person on one device, as the edge enqueues them. */
export function visitAndIdentify(
  organization: B2cOrganization,
  partner: { id: string; shard: Shard },
  hash: string,
  options: { ip?: string; at?: number; path?: string } = {},
): AcceptedHit[] {
  const ip = options.ip ?? freshIp();
  const at = options.at ?? Date.now();
  const url = `https://shop.example${options.path ?? "/pricing"}`;
  const base = accepted(organization.id, partner, organization.pixelKey, ip, at);
  return [
    { ...base, productType: "B2C", hit: { k: organization.pixelKey, t: "v", i: crypto.randomUUID(), u: url, w: 1280 } },
    {
      ...base,
      productType: "B2C",
      receivedAt: at + 1000,
      hit: { k: organization.pixelKey, t: "i", i: crypto.randomUUID(), u: url, h: hash },
    },
  ] as AcceptedHit[];
}
