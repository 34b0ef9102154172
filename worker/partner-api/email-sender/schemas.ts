import { z } from "@hono/zod-openapi";
import { MAIL_STATUSES, SMTP_SECURITIES } from "../../../shared/email";
import { configOf } from "../../config";
import type { Env } from "../../env";
import { invalidField } from "../../lib/errors";
import { savedTargetProblem, smtpTargetProblem } from "../../outbound/targets";

/** A host name or an IP address, as a mail client takes it: no scheme, port or path. */
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[?[0-9a-f:.]+\]?)$/;

/** A name shown in mail headers: one line of printable text. */
const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\x00-\x1f\x7f]*$/, "must be one line of text");

const Address = z.email().max(254);

const SecuritySchema = z.enum(SMTP_SECURITIES).openapi({
  description:
    "`tls`: implicit TLS (port 465); `starttls`: plain, then upgraded with STARTTLS, which is required (587); `none`: no TLS, only where the server allows local SMTP (development)",
});

export const EmailSenderUpdate = z
  .object({
    fromName: DisplayName.openapi({ example: "Northwind Insights" }),
    fromAddress: Address.openapi({ example: "insights@northwind.example" }),
    replyTo: Address.nullable()
      .optional()
      .openapi({ description: "Where replies go; omitted or null: to `fromAddress`" }),
    smtp: z
      .object({
        host: z
          .string()
          .trim()
          .toLowerCase()
          .max(253)
          .regex(HOST, "must be a host name or an IP address")
          .openapi({ example: "smtp.postmarkapp.com" }),
        port: z.number().int().min(1).max(65535).openapi({ example: 587 }),
        security: SecuritySchema,
        username: z.string().min(1).max(254).nullable().optional().openapi({ description: "omitted or null: no AUTH" }),
        password: z.string().min(1).max(1024).nullable().optional().openapi({
          description:
            "Stored sealed, never answered. Omitted: the stored one is kept, if the host, port and username are unchanged.",
        }),
      })
      .strict(),
  })
  .strict()
  .refine((body) => !body.smtp.password || body.smtp.username, {
    path: ["smtp", "username"],
    message: "required with a password",
  })
  .openapi("EmailSenderUpdate");

export type EmailSenderInput = z.output<typeof EmailSenderUpdate>;

export const EmailSenderSchema = z
  .object({
    fromName: z.string(),
    fromAddress: z.string(),
    replyTo: z.string().nullable(),
    smtp: z.object({
      host: z.string(),
      port: z.number().int(),
      security: SecuritySchema,
      username: z.string().nullable(),
      hasPassword: z.boolean().openapi({ description: "A password is stored (it is never answered)" }),
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("EmailSender");

/**
 * Refuses SMTP servers the platform cannot (or, outside development, must not) connect to: 400
 * naming the field. A name must resolve to public addresses only (through `DOH_URL`, as webhook
 * hosts do); 503 when the resolver cannot answer.
 */
export async function checkSmtpTarget(env: Env, smtp: EmailSenderInput["smtp"]) {
  const allowLocal = configOf(env).mail.allowLocalSmtp;
  const problem = smtpTargetProblem(smtp, allowLocal);
  if (problem) throw invalidField(`smtp.${problem.field}`, problem.message);
  const resolved = await savedTargetProblem(configOf(env).dohUrl, smtp.host, allowLocal, "the SMTP host");
  if (resolved) throw invalidField("smtp.host", `must be a public host: ${resolved}`);
}

/** What became of one mail (`sendMail`'s outcome), as the API answers it. */
export const MailDeliverySchema = z
  .object({
    to: z.string(),
    status: z.enum(MAIL_STATUSES).openapi({
      description:
        "`delivered`: the SMTP server (or Email Service) accepted it; `failed`: see `error`; `unsubscribed`: the recipient unsubscribed from this kind of mail, nothing was sent",
    }),
    messageId: z.string().nullable(),
    error: z
      .object({
        step: z.string().openapi({
          description:
            "Where it failed: `setup` (a setting is missing), `connect`, `greeting`, `ehlo`, `starttls`, `auth`, `mail_from`, `rcpt_to`, `data`, `message` (SMTP), `send` (Email Service)",
        }),
        message: z.string(),
        reply: z.string().nullable().openapi({ description: "The server's reply, as it sent it" }),
      })
      .nullable(),
  })
  .openapi("MailDelivery");
