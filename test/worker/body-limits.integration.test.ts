import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { MAX_HIT_BYTES } from "../../shared/hit";
import { MAX_JSON_BODY_BYTES } from "../../worker/lib/body-limit";
import { MAX_ARRAY_IMPORT_BYTES, MAX_RECORD_LENGTH } from "../../worker/imports/records";
import { partnerOperations, fillPath, partnerWithResources } from "./support/openapi-operations";
import { BASE, admin, expectEnvelope } from "./support/api";
import { newOrganization, newPartner } from "./support/partners";
import { BROWSER_UA, pageView, sendHit } from "./support/hits";

const encoder = new TextEncoder();

/** A body without Content-Length, produced on demand; `pulled()` tells how much the Worker asked for. */
function countedStream(total: number, chunk = 64 * 1024, fill = "x") {
  let produced = 0;
  const piece = encoder.encode(fill.repeat(chunk));
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (produced >= total) return controller.close();
        produced += piece.byteLength;
        controller.enqueue(piece);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, pulled: () => produced };
}

async function envelope(response: Response) {
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const companyLine = (domain: string, ranges = ["203.0.113.0/32"]) =>
  JSON.stringify({ name: domain, domain, country: "US", ipRanges: ranges });

async function companyExists(domain: string) {
  return (await env.CATALOG.prepare("SELECT 1 AS x FROM companies WHERE domain = ?").bind(domain).first()) !== null;
}

describe("bounded bodies", () => {
  it("M5: reads a hit body without Content-Length no further than 8 KiB before answering 413", async () => {
    const stream = countedStream(16 * 1024 * 1024);
    const res = await exports.default.fetch(`${BASE}/e`, {
      method: "POST",
      headers: { "content-type": "text/plain", "user-agent": BROWSER_UA },
      body: stream.body,
    });
    expectEnvelope(await envelope(res), 413, "PayloadTooLarge");
    // The platform may buffer a few chunks ahead; nothing like the 16 MiB offered.
    expect(stream.pulled()).toBeLessThan(1024 * 1024);
  });

  it("M5: counts a hit's size in bytes, not characters, also without Content-Length", async () => {
    const { pixelKey } = await newOrganization();
    // 2,700 euro signs in the page URL: about 2,800 UTF-16 units, over 8,100 bytes with the rest.
    const hit = JSON.stringify(pageView(pixelKey, `https://client.example/${"€".repeat(2_700)}`));
    expect(hit.length).toBeLessThan(MAX_HIT_BYTES);
    expect(encoder.encode(hit).byteLength).toBeGreaterThan(MAX_HIT_BYTES);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(hit));
        controller.close();
      },
    });
    const res = await exports.default.fetch(`${BASE}/e`, {
      method: "POST",
      headers: { "content-type": "text/plain", "user-agent": BROWSER_UA, origin: "https://client.example" },
      body,
    });
    expectEnvelope(await envelope(res), 413, "PayloadTooLarge");
  });

  it("M5: every partner route that takes a body answers 413 in the envelope past 256 KiB", async () => {
    const { operations } = await partnerOperations();
    const owner = await partnerWithResources();
    const withBody = operations.filter((o) => o.operation.requestBody);
    expect(withBody.length).toBeGreaterThan(10);
    const big = JSON.stringify({ name: "x".repeat(MAX_JSON_BODY_BYTES) });
    for (const o of withBody) {
      const path = `/api/v1/partner${fillPath(o.path, owner.ids)}`;
      const headers = { "content-type": "application/json", "x-partner-api-key": owner.key };
      const declared = await exports.default.fetch(`${BASE}${path}`, { method: o.method, headers, body: big });
      const res = await envelope(declared);
      expect(res.status, `${o.key} with Content-Length`).toBe(413);
      expectEnvelope(res, 413, "PayloadTooLarge");
      const stream = countedStream(4 * MAX_JSON_BODY_BYTES);
      const chunked = await exports.default.fetch(`${BASE}${path}`, { method: o.method, headers, body: stream.body });
      expect((await envelope(chunked)).status, `${o.key} without Content-Length`).toBe(413);
      expect(stream.pulled()).toBeLessThan(2 * MAX_JSON_BODY_BYTES);
    }
  });

  it("M5: operator routes that take JSON answer 413 past 256 KiB", async () => {
    const { partner } = await newPartner();
    const big = JSON.stringify({ name: "x".repeat(MAX_JSON_BODY_BYTES) });
    for (const [method, path] of [
      ["POST", "/partners"] as const,
      ["PUT", `/partners/${partner.id}`],
      ["POST", `/partners/${partner.id}/api-keys`],
      ["POST", `/partners/${partner.id}/credits/adjust`],
    ]) {
      expectEnvelope(await admin(method, path, big), 413, "PayloadTooLarge");
    }
  });

  it("M5: caps metadata at 16 KiB of UTF-8 JSON when an organization is created, as when it is updated", async () => {
    const { api } = await newPartner();
    // 6,000 three-byte characters: under 16,384 UTF-16 units, over 16,384 bytes.
    const metadata = { notes: "€".repeat(6000) };
    const created = await api("POST", "/organizations", { name: "Big", metadata });
    expectEnvelope(created, 400, "BadRequest");
    expect(created.body.details).toEqual([expect.objectContaining({ field: "metadata" })]);
    const ok = await api("POST", "/organizations", { name: "Small", metadata: { notes: "€".repeat(5000) } });
    expect(ok.status, ok.text).toBe(201);
    const updated = await api("PUT", `/organizations/${ok.body.organization.id}`, { metadata });
    expectEnvelope(updated, 400, "BadRequest");
  });

  it("M5: stages an NDJSON import while it streams in, and writes it only once every record is valid", async () => {
    const run = crypto.randomUUID().slice(0, 8);
    const domains = Array.from({ length: 2_400 }, (_, i) => `${run}-${i}.example`);
    let sent = 0;
    let stagedWhileStreaming = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 1_200) {
          // Half the body is out: the Worker has validated and staged chunks of it already.
          stagedWhileStreaming = await vi.waitFor(
            async () => {
              const row = await env.CATALOG.prepare("SELECT count(*) AS n FROM import_chunks").first<{ n: number }>();
              if (!row?.n) throw new Error("nothing staged yet");
              return row.n;
            },
            { timeout: 10_000, interval: 50 },
          );
          expect(await companyExists(domains[0]!)).toBe(false);
        }
        if (sent === domains.length) return controller.close();
        const lines = domains.slice(sent, sent + 100).map((d) => companyLine(d));
        sent += lines.length;
        controller.enqueue(encoder.encode(`${lines.join("\n")}\n`));
      },
    });
    const res = await exports.default.fetch(`${BASE}/api/v1/admin/companies`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson", "x-admin-api-key": env.ADMIN_API_KEY },
      body,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({ imported: domains.length, ipRanges: domains.length });
    expect(stagedWhileStreaming).toBeGreaterThan(0);
    expect(await companyExists(domains.at(-1)!)).toBe(true);
    const left = await env.CATALOG.prepare("SELECT count(*) AS n FROM import_chunks").first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it("M5: writes nothing of a streamed import whose last record is invalid", async () => {
    const run = crypto.randomUUID().slice(0, 8);
    const lines = Array.from({ length: 1_200 }, (_, i) => companyLine(`${run}-${i}.example`));
    lines.push(companyLine(`${run}-bad.example`, ["not-a-cidr"]));
    const res = await admin("POST", "/companies", lines.join("\n"));
    expectEnvelope(res, 400, "BadRequest");
    expect(res.body.details).toEqual([expect.objectContaining({ field: "1200.ipRanges" })]);
    expect(await companyExists(`${run}-0.example`)).toBe(false);
  });

  it("M5: refuses a JSON-array import over 5 MiB and a single record over 512 KiB with 413", async () => {
    const array = `[${Array.from({ length: 60_000 }, (_, i) => companyLine(`a${i}.example`)).join(",")}]`;
    expect(array.length).toBeGreaterThan(MAX_ARRAY_IMPORT_BYTES);
    expectEnvelope(await admin("POST", "/companies", array), 413, "PayloadTooLarge");
    const huge = JSON.stringify({ name: "huge", domain: "huge.example", industry: "x".repeat(MAX_RECORD_LENGTH) });
    expectEnvelope(
      await admin("POST", "/companies", `${companyLine("fine.example")}\n${huge}\n`),
      413,
      "PayloadTooLarge",
    );
  });
});
