/**
 * Consumer throughput on first identifications: hits each from a different imported company (a /32
 * each), sent by 128 concurrent clients (the edge answers a hit once its collector has queued it, up to a
 * quarter of a second later), until every one is identified, debited and stored.
 */
import { seedOrganization } from "../test/browser/support/worker.ts";
import { type BenchWorker, CHARGES_SQL, HUMAN_UA } from "./bench-worker.ts";
import { int, r2 } from "./format.ts";
import { log, QUICK } from "./options.ts";

const NEW_COMPANIES = QUICK ? 300 : 2_000;

export interface FirstIdentificationFigures {
  /** The organization identified (the credit counter section drives its counter). */
  organizationId: string;
  companies: number;
  sentSeconds: number;
  identSeconds: number;
  identified: number;
  identRate: number;
}

/** Clients sending at once: each waits up to a quarter of a second for its hit's collector. */
const CLIENTS = 128;

export async function measureFirstIdentification(b: BenchWorker): Promise<FirstIdentificationFigures> {
  log(`first identification of ${NEW_COMPANIES} new companies`);
  const fresh = await seedOrganization(b.worker, { credits: 1_000_000, poolTotal: 50_000_000, importLocal: false });
  const ips: string[] = [];
  const companies = [];
  for (let k = 0; k < NEW_COMPANIES; k++) {
    const ip = `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
    ips.push(ip);
    companies.push({ name: `Bench Co ${k}`, domain: `bench-co-${k}.example`, ipRanges: [`${ip}/32`] });
  }
  for (let k = 0; k < companies.length; k += 500)
    await b.worker.admin("POST", "/api/v1/admin/companies", companies.slice(k, k + 500));
  const t0 = Date.now();
  let nextIp = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (nextIp < ips.length) {
        const ip = ips[nextIp++]!;
        await fetch(`${b.worker.url}/e`, {
          method: "POST",
          headers: { "content-type": "text/plain", "cf-connecting-ip": ip, "user-agent": HUMAN_UA },
          body: JSON.stringify({
            k: fresh.pixelKey,
            t: "v",
            i: crypto.randomUUID(),
            u: "https://www.client.example/",
            w: 1280,
          }),
        }).then((r) => r.arrayBuffer());
      }
    }),
  );
  const sentSeconds = (Date.now() - t0) / 1000;
  await b.waitUntil(
    "the first identifications",
    async () => (await b.count(CHARGES_SQL, fresh.organizationId)) >= NEW_COMPANIES,
    300_000,
  );
  const identSeconds = (Date.now() - t0) / 1000;
  const identified = await b.count(CHARGES_SQL, fresh.organizationId);
  return {
    organizationId: fresh.organizationId,
    companies: NEW_COMPANIES,
    sentSeconds,
    identSeconds,
    identified,
    identRate: identified / identSeconds,
  };
}

export function firstIdentificationSection(f: FirstIdentificationFigures, bareRps: number): string[] {
  return [
    "## First identification of a new company",
    "",
    `The identification happens in the queue consumer, so this is consumer throughput: ${int(f.companies)} hits, each from`,
    `a different imported company (a /32 each), sent by ${CLIENTS} concurrent clients in ${f.sentSeconds.toFixed(1)} s; all`,
    `${int(f.identified)} were identified, debited on the organization's counter and stored ${f.identSeconds.toFixed(1)} s after the`,
    `first was sent: **${int(f.identRate)} first identifications/s**, ${r2(f.identRate / bareRps)} × the bare route's req/s`,
    `(${int(bareRps)}). Each costs an IP-range lookup in D1, one counter call per batch, and the D1 writes (visitor,`,
    "session, page view, page counts, receipt, usage rollup).",
    "",
  ];
}
