import { createRoute, z } from "@hono/zod-openapi";
import type { AdjustResult } from "../credits/counter";
import { counterFor } from "../credits/counter-client";
import { LedgerEntrySchema } from "../credits/schemas";
import { ApiError, notFound } from "../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../http/routes";
import { IdParam } from "../http/schemas";
import { isoSeconds } from "../lib/time";
import { findOrganization } from "../organizations/organization";
import { partnerTenant } from "../shards";

const AdjustBody = z
  .object({
    organizationId: z
      .string()
      .min(1)
      .max(64)
      .openapi({ description: "The partner's organization whose balance changes" }),
    credits: z
      .number()
      .int()
      .min(-1_000_000)
      .max(1_000_000)
      .refine((n) => n !== 0, "must not be 0")
      .optional()
      .openapi({ description: "Credits to add (positive) or remove (negative) in the current period" }),
    refundEventId: z.string().min(1).max(64).optional().openapi({
      description: "Instead of `credits`: refund the credit charged for this identification (receipt event id)",
    }),
    reason: z.string().trim().min(1).max(500).openapi({ description: "Why; kept in the ledger entry's note" }),
  })
  .refine((b) => (b.credits === undefined) !== (b.refundEventId === undefined), {
    message: "give exactly one of credits or refundEventId",
    path: ["credits"],
  })
  .openapi("CreditAdjustment");

const BalanceSchema = z.object({
  periodStart: z.string(),
  periodEnd: z.string(),
  allocation: z.number().int(),
  used: z.number().int(),
  adjusted: z.number().int(),
  available: z.number().int(),
});

const route = createRoute({
  method: "post",
  path: "/partners/{partnerId}/credits/adjust",
  summary: "Adjust an organization's current-period credits, or refund one charge (a new ledger entry)",
  description:
    "Send an `Idempotency-Key` (any unique string per adjustment, up to 255 characters): a retry with the same key and body " +
    "books nothing and answers the first entry; the same key with another body is refused (409). Keys are kept per organization, " +
    "for 30 days after the entry they booked.",
  request: {
    params: z.object({ partnerId: IdParam("partnerId") }),
    headers: z.object({ "idempotency-key": z.string().min(1).max(255).optional() }),
    body: jsonBody(AdjustBody),
  },
  responses: {
    200: jsonResponse(
      "The ledger entry and the new balance",
      z.object({ entry: LedgerEntrySchema, balance: BalanceSchema }),
    ),
    ...commonErrors,
    ...errorResponses(409, 422),
  },
});

export const adjustCredits = createApi().openapi(route, async (c) => {
  const { partnerId } = c.req.valid("param");
  const body = c.req.valid("json");
  const key = c.req.valid("header")["idempotency-key"] ?? null;
  const tenant = await partnerTenant(c.env, partnerId);
  if (!tenant) throw notFound("Organization");
  const org = await findOrganization(tenant.DB, partnerId, body.organizationId);
  const counter = counterFor(tenant, org.id);
  const result = (
    body.refundEventId !== undefined
      ? await counter.refund(body.refundEventId, body.reason, key)
      : await counter.adjust(body.credits!, body.reason, key)
  ) as AdjustResult;
  if (!result.ok) throw refused(result);
  const { balance } = result;
  return c.json(
    {
      entry: result.entry,
      balance: {
        periodStart: isoSeconds(balance.periodStart),
        periodEnd: isoSeconds(balance.periodEnd),
        allocation: balance.allocation,
        used: balance.used,
        adjusted: balance.adjusted,
        available: balance.available,
      },
    },
    200,
  );
});

function refused(result: AdjustResult | null): ApiError {
  if (result && !result.ok && result.reason === "key_reused") {
    return new ApiError("Conflict", "This Idempotency-Key was used for a different adjustment", null);
  }
  if (result && !result.ok && result.reason === "below_zero") {
    return new ApiError("UnprocessableEntity", "The adjustment would take the balance below zero", {
      available: result.available,
    });
  }
  if (result && !result.ok && result.reason === "already_refunded") {
    return new ApiError("UnprocessableEntity", "This identification was already refunded", null);
  }
  return new ApiError("UnprocessableEntity", "No credit was charged for this identification", null);
}
