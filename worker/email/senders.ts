import type { SmtpSecurity } from "../../shared/email";
import { configOf } from "../config";
import { isoSeconds } from "../lib/time";
import { seal, unseal } from "../lib/sealing";
import type { TenantEnv } from "../shards";
import type { SmtpServer } from "../outbound/targets";

/** A partner's own sender: its From and Reply-To, and the SMTP server that sends as it (`email_senders`). */
export interface PartnerSender {
  fromName: string;
  fromAddress: string;
  replyTo: string | null;
  smtp: {
    host: string;
    port: number;
    security: SmtpSecurity;
    username: string | null;
    hasPassword: boolean;
  };
  createdAt: string;
  updatedAt: string;
}

/** What a partner sets; `password` undefined keeps the stored one (`saveSender` says when it may). */
export interface SenderInput {
  fromName: string;
  fromAddress: string;
  replyTo: string | null;
  smtp: { host: string; port: number; security: SmtpSecurity; username: string | null; password?: string | null };
}

interface SenderRow {
  from_name: string;
  from_address: string;
  reply_to: string | null;
  smtp_host: string;
  smtp_port: number;
  smtp_security: SmtpSecurity;
  smtp_username: string | null;
  smtp_password: string | null;
  created_at: string;
  updated_at: string;
}

/** The password is sealed for this partner's sender only: copied elsewhere, it does not open. */
const sealContext = (partnerId: string) => `email_sender:${partnerId}`;

const toSender = (row: SenderRow): PartnerSender => ({
  fromName: row.from_name,
  fromAddress: row.from_address,
  replyTo: row.reply_to,
  smtp: {
    host: row.smtp_host,
    port: row.smtp_port,
    security: row.smtp_security,
    username: row.smtp_username,
    hasPassword: row.smtp_password !== null,
  },
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const loadRow = (db: D1Database, partnerId: string) =>
  db.prepare("SELECT * FROM email_senders WHERE partner_id = ?").bind(partnerId).first<SenderRow>();

export async function loadSender(db: D1Database, partnerId: string): Promise<PartnerSender | null> {
  const row = await loadRow(db, partnerId);
  return row ? toSender(row) : null;
}

/**
 * Stores the sender. Without a new password the stored one is kept, but only for the same server
 * and username: a key that may change the sender must not be able to send its password elsewhere.
 * Returns `"password"` when it had to be sent again, else the sender as stored.
 */
export async function saveSender(
  tenant: TenantEnv,
  partnerId: string,
  input: SenderInput,
): Promise<PartnerSender | "password"> {
  const existing = await loadRow(tenant.DB, partnerId);
  const { smtp } = input;
  let password: string | null;
  if (smtp.password !== undefined) {
    password =
      smtp.password === null
        ? null
        : await seal(configOf(tenant).webhookSecretKey, sealContext(partnerId), smtp.password);
  } else if (
    existing &&
    existing.smtp_host === smtp.host.toLowerCase() &&
    existing.smtp_port === smtp.port &&
    existing.smtp_username === smtp.username
  ) {
    password = existing.smtp_password;
  } else if (smtp.username === null) {
    password = null;
  } else {
    return "password";
  }
  const now = isoSeconds();
  await tenant.DB.prepare(
    `INSERT INTO email_senders (partner_id, from_name, from_address, reply_to, smtp_host, smtp_port, smtp_security,
       smtp_username, smtp_password, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
     ON CONFLICT (partner_id) DO UPDATE SET from_name = ?2, from_address = ?3, reply_to = ?4, smtp_host = ?5,
       smtp_port = ?6, smtp_security = ?7, smtp_username = ?8, smtp_password = ?9, updated_at = ?10`,
  )
    .bind(
      partnerId,
      input.fromName,
      input.fromAddress,
      input.replyTo,
      smtp.host.toLowerCase(),
      smtp.port,
      smtp.security,
      smtp.username,
      password,
      now,
    )
    .run();
  return toSender((await loadRow(tenant.DB, partnerId))!);
}

/** True when there was a sender to remove. */
export async function removeSender(db: D1Database, partnerId: string): Promise<boolean> {
  const { meta } = await db.prepare("DELETE FROM email_senders WHERE partner_id = ?").bind(partnerId).run();
  return meta.changes > 0;
}

/** The partner's sender with the SMTP server to send through (password unsealed), or null. */
export async function senderWithServer(
  tenant: TenantEnv,
  partnerId: string,
): Promise<{ sender: PartnerSender; server: SmtpServer } | null> {
  const row = await loadRow(tenant.DB, partnerId);
  if (!row) return null;
  return {
    sender: toSender(row),
    server: {
      host: row.smtp_host,
      port: row.smtp_port,
      security: row.smtp_security,
      username: row.smtp_username,
      password:
        row.smtp_password === null
          ? null
          : await unseal(configOf(tenant).webhookSecretKey, sealContext(partnerId), row.smtp_password),
    },
  };
}
