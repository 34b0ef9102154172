import { Hono } from "hono";
import { renderDigestPreview } from "../../../digests/preview";
import { DigestPreviewRequest, type DigestPreviewInput } from "../../../digests/schemas";
import { ApiError } from "../../../lib/errors";
import type { DashboardContext, DashboardEnv } from "../../context";
import { time } from "../../ui/format";
import { render } from "../../ui/layout";
import { clientFrame } from "../frame";
import { digestContext, notificationsRoot } from "./context";
import { FREQUENCY_NAMES } from "./digest-parts";

type Preview = Awaited<ReturnType<typeof renderDigestPreview>>;

/**
 * What a preview's address asks for: a recipient's next digest (`email`, and `frequency` when they
 * get both), or the last day or week of every company or of a saved view. Null when it cannot be read.
 */
export function previewInput(query: Record<string, string>): DigestPreviewInput | null {
  const parsed = DigestPreviewRequest.safeParse({
    ...(query.email ? { email: query.email } : {}),
    ...(query.frequency ? { frequency: query.frequency } : {}),
    ...(query.email ? {} : { segmentId: query.segmentId || null }),
  });
  return parsed.success ? parsed.data : null;
}

/** The digest, or why there is none (a recipient or saved view that is gone, an address that cannot be read). */
export async function previewOf(c: DashboardContext): Promise<Preview | string> {
  const input = previewInput(c.req.query());
  if (!input) return "This preview's address cannot be read.";
  try {
    return await renderDigestPreview(c.var.tenant, digestContext(c), input);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code === "InternalError") throw error;
    const detail = Array.isArray(error.details) ? (error.details[0] as { field: string } | undefined) : undefined;
    if (detail?.field === "email") return "That address gets no digest any more.";
    if (detail?.field === "frequency") return "That recipient gets no digest of this frequency.";
    if (detail?.field === "segmentId") return "That saved view does not exist any more.";
    return `${error.message}.`;
  }
}

export interface DigestPreviewProps {
  root: string;
  preview: Preview | string;
  /** Who it is for, in words. */
  audience: string;
  mailHref: string;
}

/** A digest's preview: its subject and period, whether it would be sent, and the mail itself in a frame. Props only. */
export function DigestPreviewPage(props: DigestPreviewProps) {
  const { preview } = props;
  return (
    <>
      <p class="crumbs">
        <a href={props.root}>Notifications</a> › <a href={`${props.root}/digests`}>Digests</a>
      </p>
      <h1>Digest preview</h1>
      {typeof preview === "string" ? (
        <p class="errors" role="alert">
          {preview}
        </p>
      ) : (
        <>
          <dl class="facts card">
            <dt>For</dt>
            <dd>{props.audience}</dd>
            <dt>Subject</dt>
            <dd>{preview.subject}</dd>
            <dt>Period</dt>
            <dd>
              {time(preview.periodStart)} to {time(preview.periodEnd)}
            </dd>
          </dl>
          {preview.empty && (
            <p class="status warn" role="status">
              Nothing new and nobody returning in this period: such a digest is not sent.
            </p>
          )}
          <iframe
            class="mail-preview"
            src={props.mailHref}
            title={`The digest as it is mailed: ${preview.subject}`}
            sandbox="allow-popups allow-popups-to-escape-sandbox"
          ></iframe>
        </>
      )}
    </>
  );
}

/** `GET /o/{organizationId}/notifications/digests/preview` (client admins): a digest as it would be mailed now, sent to nobody. */
export const digestPreviewRoute = new Hono<DashboardEnv>().get(
  "/o/:organizationId/notifications/digests/preview",
  async (c) => {
    const preview = await previewOf(c);
    const query = c.req.query();
    const frequency = FREQUENCY_NAMES[query.frequency === "weekly" ? "weekly" : "daily"].toLowerCase();
    const view = c.get("savedViews").find((s) => s.id === query.segmentId);
    const audience = query.email
      ? `${query.email}: their next digest`
      : `A ${frequency} digest of ${view ? `the saved view ${view.name}` : "every identified company"}`;
    const root = notificationsRoot(c);
    const props: DigestPreviewProps = {
      root,
      preview,
      audience,
      mailHref: `${root}/digests/preview/mail?${new URLSearchParams(query)}`,
    };
    const status = typeof preview === "string" ? 400 : 200;
    return render(
      c,
      clientFrame(c, "Digest preview · Notifications", "notifications"),
      <DigestPreviewPage {...props} />,
      status,
      {
        framesSelf: true,
      },
    );
  },
);
