import { createRoute, z } from "@hono/zod-openapi";
import { recordAudit } from "../../audit/queries";
import { loadSender, removeSender, saveSender } from "../../email/senders";
import { invalidField } from "../../lib/errors";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/routes";
import { requireScope } from "../auth";
import { EmailSenderSchema, EmailSenderUpdate, checkSmtpTarget } from "./schemas";

const path = "/email-sender";

const response = jsonResponse(
  "The partner's own sender, or null: mail then comes from the platform's sender under the partner's name",
  z.object({ emailSender: z.union([EmailSenderSchema, z.null()]) }),
);

const getRoute = createRoute({
  method: "get",
  operationId: "getEmailSender",
  path,
  summary: "Who your e-mails come from (admin scope)",
  description:
    "`emailSender: null` when you have not set one: mail then goes from the platform's sender with your brand name as the sender's name and your support address as Reply-To.",
  middleware: [requireScope("admin")] as const,
  responses: { 200: response, ...commonErrors },
});

const putRoute = createRoute({
  method: "put",
  operationId: "setEmailSender",
  path,
  summary: "Send e-mail as yourself, through your SMTP server (admin scope)",
  description:
    "Every e-mail about you and your clients (notices, dashboard links, alerts, digests) then comes from `fromName <fromAddress>` through this server: implicit TLS (`tls`, port 465) or STARTTLS (`starttls`, 587). The password is stored sealed and never answered. Check it with `POST /email-sender/test`.",
  middleware: [requireScope("admin")] as const,
  request: { body: jsonBody(EmailSenderUpdate) },
  responses: { 200: response, ...commonErrors },
});

const deleteRoute = createRoute({
  method: "delete",
  operationId: "removeEmailSender",
  path,
  summary: "Go back to the platform's sender (admin scope)",
  description: "Succeeds when no sender is set.",
  middleware: [requireScope("admin")] as const,
  responses: { 204: { description: "Removed" }, ...commonErrors },
});

export const emailSender = createApi()
  .openapi(getRoute, async (c) => {
    return c.json({ emailSender: await loadSender(c.var.tenant.DB, c.get("partnerId")) }, 200);
  })
  .openapi(putRoute, async (c) => {
    const body = c.req.valid("json");
    const partnerId = c.get("partnerId");
    await checkSmtpTarget(c.env, body.smtp);
    const saved = await saveSender(c.var.tenant, partnerId, {
      fromName: body.fromName,
      fromAddress: body.fromAddress,
      replyTo: body.replyTo ?? null,
      smtp: { ...body.smtp, username: body.smtp.username ?? null },
    });
    if (saved === "password") {
      throw invalidField("smtp.password", "required when the host, port or username change");
    }
    await recordAudit(c.var.tenant.DB, {
      partnerId,
      organizationId: null,
      action: "email_sender.updated",
      actor: { type: "api_key", id: c.get("apiKeyId") },
      details: {
        fromAddress: saved.fromAddress,
        host: saved.smtp.host,
        port: saved.smtp.port,
        security: saved.smtp.security,
        passwordChanged: body.smtp.password !== undefined,
      },
    });
    return c.json({ emailSender: saved }, 200);
  })
  .openapi(deleteRoute, async (c) => {
    const partnerId = c.get("partnerId");
    if (await removeSender(c.var.tenant.DB, partnerId)) {
      await recordAudit(c.var.tenant.DB, {
        partnerId,
        organizationId: null,
        action: "email_sender.removed",
        actor: { type: "api_key", id: c.get("apiKeyId") },
      });
    }
    return c.body(null, 204);
  });
