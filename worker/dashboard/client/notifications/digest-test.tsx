import { Hono } from "hono";
import { DIGEST_FREQUENCIES, type DigestFrequency } from "../../../../shared/digests";
import { DIGEST_TESTS_PER_HOUR, sendDigestTest } from "../../../digests/preview";
import { getDigestSettings } from "../../../digests/settings";
import { ApiError } from "../../../lib/errors";
import type { DashboardEnv } from "../../context";
import { digestContext } from "./context";
import type { DigestTest } from "./digest-form";
import { digestsPage, testAddressesOf } from "./digests";

/**
 * `POST /o/{organizationId}/notifications/digests/test` (client admins): mails a digest of the last
 * day or week now, as `POST …/digests/test` of the partner API does (audited, at most
 * DIGEST_TESTS_PER_HOUR an hour for the partner), to the signed-in person or a recipient.
 */
export const digestTestRoute = new Hono<DashboardEnv>().post(
  "/o/:organizationId/notifications/digests/test",
  async (c) => {
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === "string" ? (form[name] as string) : "");
    const test: DigestTest = {
      to: field("to"),
      frequency: field("frequency"),
      segmentId: field("segmentId"),
      problems: {},
    };
    const { recipients } = await getDigestSettings(c.var.tenant.DB, c.get("organization").id);
    if (!testAddressesOf(c, recipients).includes(test.to)) test.problems["test-to"] = "Choose yourself or a recipient.";
    if (!(DIGEST_FREQUENCIES as readonly string[]).includes(test.frequency))
      test.problems["test-frequency"] = "Choose a daily or a weekly digest.";
    if (Object.keys(test.problems).length > 0) return digestsPage(c, { test, status: 400 });
    try {
      test.outcome = await sendDigestTest(c.var.tenant, digestContext(c), {
        to: test.to,
        frequency: test.frequency as DigestFrequency,
        segmentId: test.segmentId || null,
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === "RateLimited")
        test.problems.form = `At most ${DIGEST_TESTS_PER_HOUR} test digests an hour: try again later.`;
      else if (error.code === "BadRequest")
        test.problems["test-segment"] = "That saved view does not exist any more: choose another.";
      else test.problems.form = `${error.message}.`;
      return digestsPage(c, { test, status: error.code === "RateLimited" ? 429 : 400 });
    }
    return digestsPage(c, { test });
  },
);
