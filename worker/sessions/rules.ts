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
/**
 * Console roles of the partner's own staff, as the partner's app names them in the link; each may
 * do what an API key of the same rank may: `viewer` reads (opening dashboards as a client viewer),
 * `staff` also creates clients without credits, pauses and resumes them, mails dashboard links and
 * opens dashboards as a client admin (`write`), `admin` also allocates credits (`admin`).
 */
export const CONSOLE_ROLES = ["viewer", "staff", "admin"] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];
/** What a console link gives when the partner's app names no role. */
export const DEFAULT_CONSOLE_ROLE: ConsoleRole = "staff";
export type SessionRole = ClientRole | ConsoleRole;

/** Whether a console user of `role` may do what needs `needed`. */
export const consoleMay = (role: SessionRole, needed: ConsoleRole) =>
  CONSOLE_ROLES.indexOf(role as ConsoleRole) >= CONSOLE_ROLES.indexOf(needed);

export const SESSION_STATUSES = ["active", "expired", "signed_out", "revoked"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
