import { sendJobs } from "../../jobs/message";
import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { createErasure, toErasure } from "../../erasures/queries";
import { ErasureSchema } from "../../erasures/schemas";
import { addSuppression } from "../../suppressions/queries";
import { SuppressionParams } from "../../suppressions/schemas";

const route = createRoute({
  method: "delete",
  path: "/people/{emailSha256}",
  summary: "Erase a person everywhere: their visitor in each of your organizations, and suppress them",
  description:
    "For a data-subject erasure request. The person is suppressed at once (never identified or charged again), " +
    "then erased in the background in each of your organizations where they were seen, as " +
    "`DELETE …/visitors/{visitorId}` does (receipts and ledger entries keep their amounts without the identity). " +
    "Follow it with `GET /erasures/{erasureId}`; once `completed`, the erasure no longer holds the email hash. " +
    "Recorded in the audit log as `person.erased` (without the hash). Repeating the call starts another erasure, " +
    "which finds nothing left to erase.",
  request: { params: SuppressionParams },
  responses: {
    202: jsonResponse("Erasure started", z.object({ erasure: ErasureSchema })),
    ...commonErrors,
  },
});

export const erasePerson = createApi().openapi(route, async (c) => {
  const { emailSha256 } = c.req.valid("param");
  const partnerId = c.get("partnerId");
  // Suppressed first: no new visitor appears behind the erasure while it runs.
  await addSuppression(c.var.tenant.DB, partnerId, emailSha256);
  const erasure = await createErasure(c.var.tenant.DB, partnerId, emailSha256, {
    type: "api_key",
    id: c.get("apiKeyId"),
  });
  await sendJobs(c.var.tenant, [{ type: "people.erase", erasureId: erasure.id }]);
  return c.json({ erasure: toErasure(erasure) }, 202);
});
