/** The rules of dashboard sign-in (docs/dashboard.md, "Sessions"). */

/** A sign-in link works once, for this long. */
export const LINK_TTL_MS = 10 * 60_000;
/** A link the platform mailed waits in an inbox: it works once, for a day, opened with a click on its page. */
export const MAILED_LINK_TTL_MS = 24 * 3600_000;
/** A session ends after this long without a request … */
export const IDLE_TIMEOUT_MS = 12 * 3600_000;
/** … and this long after it started, whatever happens. */
export const ABSOLUTE_TIMEOUT_MS = 7 * 24 * 3600_000;
/** A session's last activity is written at most this often, so reading pages costs no D1 write each. */
export const TOUCH_RESOLUTION_MS = 60_000;

/** Client dashboard roles: viewers read; admins also manage exclusions. */
export const CLIENT_ROLES = ["viewer", "admin"] as const;
export type ClientRole = (typeof CLIENT_ROLES)[number];
/** The role of the partner's own staff in its console. */
export const CONSOLE_ROLE = "staff";
export type SessionRole = ClientRole | typeof CONSOLE_ROLE;

export const SESSION_STATUSES = ["active", "expired", "signed_out", "revoked"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
