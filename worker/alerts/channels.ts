import type { AlertChannelType } from "../../shared/alerts";
import { configOf } from "../config";
import type { Env } from "../env";
import { seal, unseal } from "../lib/sealing";
import { resolvedTargetProblem } from "../outbound/targets";
import { DnsLookupError } from "../lib/doh";

/**
 * A channel's webhook URL is a credential (whoever has it posts into the channel): sealed at rest with
 * the channel as the owner (lib/sealing.ts), opened only to send, and shown by the API as a hint.
 */
const contextOf = (channelId: string) => `alert-channel/${channelId}`;

export const sealTarget = (env: Env, channelId: string, url: string) =>
  seal(configOf(env).webhookSecretKey, contextOf(channelId), url);
export const openTarget = (env: Env, channelId: string, sealed: string) =>
  unseal(configOf(env).webhookSecretKey, contextOf(channelId), sealed);

/** What the API shows of a webhook URL: its host and its last 4 characters. */
export function targetHint(url: string): string {
  return `${new URL(url).host} …${url.slice(-4)}`;
}

/** What the API shows of an e-mail channel instead: how many it mails (the addresses are listed beside it). */
export const recipientsHint = (recipients: readonly string[]) =>
  recipients.length === 1 ? "1 recipient" : `${recipients.length} recipients`;

/** The addresses of an e-mail channel: its target, stored as a JSON array (addresses are not secrets). */
export const recipientsOf = (channel: Pick<ChannelRow, "type" | "target">): string[] | null =>
  channel.type === "email" ? (JSON.parse(channel.target) as string[]) : null;

/** A stored channel. */
export interface ChannelRow {
  id: string;
  rule_id: string;
  position: number;
  type: AlertChannelType;
  /** Slack and Teams: the webhook URL, sealed; e-mail: the recipients (JSON array). */
  target: string;
  hint: string;
  disabled_reason: string | null;
  disabled_at: string | null;
  created_at: string;
}

/** What a channel answered one POST. */
export interface PostResult {
  ok: boolean;
  statusCode: number | null;
  /** Seconds the receiver asked to wait (429 `Retry-After`), when it said. */
  retryAfter: number | null;
  /** Null on success; else the status (with Slack's short error code when it sent one) or why no answer came. */
  error: string | null;
  /**
   * Not sent, and a retry would not change that soon: the host resolves to a non-public address, the
   * mail server refused the message for good (5xx), the recipient unsubscribed.
   */
  refused?: boolean;
}

/** Slack answers errors with a short code such as `channel_is_archived`; anything else in a body is never kept. */
const ERROR_CODE = /^[a-z_]{1,64}$/;

/**
 * One POST of a JSON body; redirects are not followed and the answer's body is read only for an error
 * code. The host is resolved first: a name that was public when the channel was saved may point inside
 * later (as for webhooks, worker/outbound/targets.ts).
 */
export async function postJson(env: Env, url: string, body: unknown): Promise<PostResult> {
  const { webhookTimeoutMs: timeoutMs, allowInsecureWebhooks } = configOf(env);
  try {
    const problem = await resolvedTargetProblem(configOf(env).dohUrl, new URL(url).hostname, allowInsecureWebhooks);
    if (problem) return { ok: false, statusCode: null, retryAfter: null, error: `Refused: ${problem}`, refused: true };
  } catch (error) {
    if (!(error instanceof DnsLookupError)) throw error;
    return { ok: false, statusCode: null, retryAfter: null, error: `Could not resolve ${error.message}`.slice(0, 200) };
  }
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.ok) {
      await response.body?.cancel().catch(() => {});
      return { ok: true, statusCode: response.status, retryAfter: null, error: null };
    }
    const text = (await shortBody(response)).trim();
    const code = ERROR_CODE.test(text) ? ` ${text}` : "";
    return {
      ok: false,
      statusCode: response.status,
      retryAfter: retryAfterOf(response.headers.get("retry-after")),
      error: `HTTP ${response.status}${code}`,
    };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    const error = timedOut
      ? `No response within ${timeoutMs} ms`
      : `Request failed: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, statusCode: null, retryAfter: null, error: error.slice(0, 200) };
  }
}

/** The first 100 bytes of an answer's body, and no more is read. */
async function shortBody(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  try {
    const { value } = await reader.read();
    return new TextDecoder().decode(value?.slice(0, 100));
  } catch {
    return "";
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** `Retry-After` as seconds: a number of seconds or an HTTP date. */
function retryAfterOf(header: string | null): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** The target is gone for good: Slack and Teams answer 404 or 410 for a removed webhook or an archived channel. */
export const isGone = (statusCode: number | null) => statusCode === 404 || statusCode === 410;
