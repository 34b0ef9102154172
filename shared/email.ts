/** E-mail vocabulary: the notices partners switch on and off, what kinds of mail exist, how SMTP is secured. */

/** The notices a partner can switch off (snake_case, as the public API spells them; docs/partner-api.md#email-preferences). */
export const EMAIL_KEYS = [
  "credits_exhausted",
  "credits_low",
  "first_visitor_identified",
  "subscription_activated",
  "subscription_canceled",
  "payment_failed",
  "renewal_receipt",
] as const;
export type EmailKey = (typeof EMAIL_KEYS)[number];

/**
 * Every kind of mail the platform sends. A recipient unsubscribes from one kind, of one
 * organization (or of the partner), at a time (docs/alerts.md#unsubscribe).
 */
export const MAIL_KINDS = [...EMAIL_KEYS, "dashboard_link", "sender_test", "alert", "digest"] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/** How a connection to an SMTP server is secured: implicit TLS (465), STARTTLS (587), or not at all (local only). */
export const SMTP_SECURITIES = ["tls", "starttls", "none"] as const;
export type SmtpSecurity = (typeof SMTP_SECURITIES)[number];

/** What became of one mail: accepted by the server, refused or unreachable, or not sent because the recipient unsubscribed. */
export const MAIL_STATUSES = ["delivered", "failed", "unsubscribed"] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];
