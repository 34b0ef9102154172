import type { Env } from "../../env";
import { writeThroughPixels } from "../../pixel-config/record";

/** Organizations written through per KV round (keeps the number of parallel KV writes small). */
const CHUNK = 50;

/**
 * Rewrites the KV pixel records of every organization of a partner, after a change to a
 * partner-wide field the hot path reads (status, global name).
 */
export async function writeThroughPartnerPixels(env: Env, partnerId: string): Promise<void> {
  const { results } = await env.DB.prepare("SELECT id FROM organizations WHERE partner_id = ?")
    .bind(partnerId)
    .all<{ id: string }>();
  for (let i = 0; i < results.length; i += CHUNK) {
    await writeThroughPixels(
      env,
      results.slice(i, i + CHUNK).map((row) => row.id),
    );
  }
}
