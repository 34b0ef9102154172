import type { Actor } from "../../audit/actions";
import type { ApiError } from "../../lib/errors";
import type { DashboardSession } from "../../sessions/sessions";

/** A form field holding a whole number of 0 or more (at most a billion), else null. */
export function wholeNumber(value: unknown): number | null {
  if (typeof value !== "string" || !/^\s*\d{1,10}\s*$/.test(value)) return null;
  const n = Number(value);
  return n <= 1_000_000_000 ? n : null;
}

/** The console user, as the audit log names them. */
export const consoleActor = (session: DashboardSession): Actor => ({
  type: "console_user",
  id: session.id,
  email: session.email,
});

/** A domain refusal (the partner API's error) in a sentence, with the figures it carries. */
export function refusalText(error: ApiError): string {
  const details = (error.details ?? {}) as Record<string, unknown>;
  const figures = [
    typeof details.available === "number" ? `${details.available} available` : null,
    typeof details.used === "number" ? `${details.used} used` : null,
    typeof details.limit === "number" ? `limit ${details.limit}` : null,
  ].filter(Boolean);
  return figures.length > 0 ? `${error.message} (${figures.join(", ")}).` : `${error.message}.`;
}
