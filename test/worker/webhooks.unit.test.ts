import { describe, expect, it } from "vitest";
import { MAX_QUEUE_DELAY_S, RETRY_OFFSETS_S, nextAttemptAt, queueDelaySeconds } from "../../worker/webhooks/schedule";
import { generateSecret, signingKeyOf } from "../../worker/lib/webhook-secrets";
import { signatureHeaders } from "../../worker/webhooks/sign";
import { bullseyeSignature, verifyStandardWebhook } from "../fixtures/standard-webhooks";

describe("webhook signing", () => {
  it("matches the Standard Webhooks reference example", async () => {
    // The example published with the Standard Webhooks specification.
    const headers = await signatureHeaders("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}', [
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    ]);
    expect(headers["webhook-signature"]).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    expect(headers["webhook-id"]).toBe("msg_p5jXN8AQM9LWM0D4loKWxJek");
    expect(headers["webhook-timestamp"]).toBe("1614265330");
  });

  it("sends one v1 entry per valid secret, current first, and the contract's hex signature with the current one", async () => {
    const [current, previous] = [generateSecret(), generateSecret()];
    const body = JSON.stringify({ type: "usage.recorded", credits: 1 });
    const now = Math.floor(Date.now() / 1000);
    const headers = await signatureHeaders("evt_1", now, body, [current, previous]);
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const [first, second] = headers["webhook-signature"].split(" ");
    expect(await verifyStandardWebhook({ ...lower, "webhook-signature": first! }, body, current)).toBe(true);
    expect(await verifyStandardWebhook({ ...lower, "webhook-signature": second! }, body, previous)).toBe(true);
    expect(await verifyStandardWebhook(lower, body, generateSecret())).toBe(false);
    expect(headers["X-Bullseye-Signature"]).toBe(await bullseyeSignature(body, current));
  });

  it("generates whsec_ secrets of 32 random bytes", () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(signingKeyOf(secret)).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
  });
});

describe("webhook retry schedule", () => {
  const first = Date.UTC(2026, 0, 1);

  it("retries 10 s, 1 min, 5 min, 30 min, 2 h, 8 h and 24 h after the first attempt, then stops", () => {
    expect(RETRY_OFFSETS_S).toEqual([10, 60, 300, 1800, 7200, 28800, 86400]);
    const times: number[] = [];
    let at: number | null = first;
    while (at !== null) {
      times.push(at);
      at = nextAttemptAt(first, at);
    }
    expect(times.map((t) => (t - first) / 1000)).toEqual([0, 10, 60, 300, 1800, 7200, 28800, 86400]);
  });

  it("does not shift the schedule when an attempt runs late", () => {
    expect(nextAttemptAt(first, first + 90_000)).toBe(first + 300_000);
    expect(nextAttemptAt(first, first + 86_400_000 + 5_000)).toBeNull();
  });

  it("chains delays longer than the queue allows", () => {
    expect(queueDelaySeconds(first + 10_000, first)).toBe(10);
    expect(queueDelaySeconds(first + 24 * 3600_000, first)).toBe(MAX_QUEUE_DELAY_S);
    expect(queueDelaySeconds(first - 5_000, first)).toBe(0);
  });
});
