import { Hono } from "hono";
import type { DashboardEnv } from "../../context";
import { previewOf } from "./digest-preview";

/**
 * The mail's own headers: its inline styles and the partner's logo, nothing else; no script, no
 * form, sandboxed even when opened on its own; framed by this origin's preview page only.
 */
const MAIL_HEADERS = {
  "content-security-policy": [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    "img-src https: data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
    "sandbox allow-popups allow-popups-to-escape-sandbox",
  ].join("; "),
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "SAMEORIGIN",
};

/** `GET /o/{organizationId}/notifications/digests/preview/mail` (client admins): the previewed digest's HTML, as mailed. */
export const digestPreviewMailRoute = new Hono<DashboardEnv>().get(
  "/o/:organizationId/notifications/digests/preview/mail",
  async (c) => {
    const preview = await previewOf(c);
    if (typeof preview === "string") return c.text(preview, 400, MAIL_HEADERS);
    return c.html(preview.html, 200, MAIL_HEADERS);
  },
);
