import { receiverBucket } from "../../fixtures/receiver";
import type { AcceptedHit } from "../../../worker/collect/message";
import type { SegmentFilter } from "../../../worker/segments/filter";
import { importCompany, newOrganization } from "./partners";
import { accepted, freshIp } from "./hits";
import { ICP_CONFIG } from "./openapi-operations";

/** Helpers for alert tests: an ICP company on a client's site, Slack and Teams channels at the local receiver. */

export type Owner = Awaited<ReturnType<typeof newOrganization>>;

/**
 * An organization whose ICP config ("Software in the US") matches an imported company, and that
 * company's address; the company's name is as long as a test wants it.
 */
export async function icpCompanyOnSite(name = "Harborline Logistics") {
  const owner = await newOrganization();
  const icp = await owner.api("POST", `/organizations/${owner.organization.id}/icp-configs`, ICP_CONFIG);
  if (icp.status !== 201) throw new Error(icp.text);
  const ip = freshIp();
  const domain = await importCompany(`${ip}/32`, name);
  return { ...owner, ip, domain, name };
}

/** A page view of the company as the edge enqueues it, at a chosen time and page (a user agent makes another device). */
export function visitOf(
  owner: Pick<Owner, "organization" | "partner" | "pixelKey">,
  ip: string,
  at: number,
  path = "/",
  userAgent?: string,
): AcceptedHit {
  const hit = accepted(owner.organization.id, owner.partner, owner.pixelKey, ip, at);
  return {
    ...hit,
    userAgent: userAgent ?? hit.userAgent,
    hit: { ...hit.hit, u: `https://client.example${path}` } as AcceptedHit["hit"],
  };
}

/** A Slack (or Teams) channel at the local receiver, answering as `script` says (`ok`, `status/410`, …). */
export function chatChannel(type: "slack" | "teams" = "slack", script = "ok") {
  const receiver = receiverBucket();
  return { receiver, channel: { type, webhookUrl: receiver.url(script) } };
}

/** Creates an alert through the API; fails the test on anything but 201. */
export async function createAlert(owner: Pick<Owner, "api" | "organization">, body: Record<string, unknown>) {
  const res = await owner.api("POST", `/organizations/${owner.organization.id}/alerts`, body);
  if (res.status !== 201) throw new Error(`alert not created: ${res.status} ${res.text}`);
  return res.body.alert as { id: string; channels: { id: string; type: string; hint: string }[] };
}

/** A saved segment of the organization, through the segments API; returns its id. */
export async function saveSegment(owner: Pick<Owner, "api" | "organization">, filter: SegmentFilter): Promise<string> {
  const res = await owner.api("POST", `/organizations/${owner.organization.id}/segments`, {
    name: `Segment ${crypto.randomUUID().slice(0, 8)}`,
    filter,
  });
  if (res.status !== 201) throw new Error(`segment not saved: ${res.status} ${res.text}`);
  return res.body.segment.id as string;
}

/** Every delivery of an alert from its log (newest first). */
export async function deliveriesOf(owner: Pick<Owner, "api" | "organization">, alertId: string) {
  const res = await owner.api(
    "GET",
    `/organizations/${owner.organization.id}/alerts/${alertId}/deliveries?pageSize=100`,
  );
  if (res.status !== 200) throw new Error(res.text);
  return res.body.deliveries as { status: string; error: string | null; attempts: number; test: boolean }[];
}

export const DAY_MS = 24 * 3600_000;
export const HOUR_MS = 3600_000;
