import type { WebhookChannel } from "../../shared/webhooks";
import type { EndpointRow } from "./endpoints";
import { endpointsFrom, endpointsStatement } from "./events";

export interface OrganizationRef {
  id: string;
  partner_id: string;
  external_id: string | null;
}

/** Whom the events of charged hits go to: the organizations, and their partners' endpoints. */
export interface Recipients {
  organizations: Map<string, OrganizationRef>;
  endpoints: Map<string, Map<WebhookChannel, EndpointRow>>;
}

/** The reads of `Recipients`, for the caller's batch (`recipientsFrom` reads the answers). */
export function recipientStatements(db: D1Database, organizationIds: string[], partnerIds: string[]) {
  return [
    db
      .prepare("SELECT id, partner_id, external_id FROM organizations WHERE id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(organizationIds)),
    endpointsStatement(db, partnerIds),
  ];
}

export const recipientsFrom = ([organizationRows, endpointRows]: D1Result[]): Recipients => ({
  organizations: new Map((organizationRows!.results as OrganizationRef[]).map((r) => [r.id, r])),
  endpoints: endpointsFrom(endpointRows!),
});
