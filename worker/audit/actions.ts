/** What the audit log records: one vocabulary for the writers, the API's enum and the docs. */
export const AUDIT_ACTIONS = [
  "dashboard_link.created",
  "console_link.created",
  "session.started",
  "session.signed_out",
  "session.revoked",
  "client_dashboard.opened",
  "organization.created",
  "organization.enabled",
  "organization.disabled",
  "credits.allocated",
  "exclusions.updated",
  "companies.exported",
  "visitor.erased",
  "person.erased",
  "organization.purged",
  "alert.created",
  "alert.updated",
  "alert.deleted",
  "segment.created",
  "segment.updated",
  "segment.deleted",
  "email_sender.updated",
  "email_sender.removed",
  "email_sender.tested",
  "digests.updated",
  "digests.tested",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const ACTOR_TYPES = ["api_key", "console_user", "client_user"] as const;

/** Who did it: a partner API key, or a person signed in to the console or a client dashboard. */
export type Actor =
  { type: "api_key"; id: string } | { type: "console_user" | "client_user"; id: string; email: string };
