/**
 * The storage section of BENCHMARKS.md and the measured unit costs the scale simulation reads
 * (bench/results/unit-costs.json), both from one `measureStorage` run.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { MEASURED_SOURCE, type UnitCostsFile } from "./scale/unit-costs.ts";
import { int, r1 as one, r2 as two } from "./format.ts";
import { STORAGE_HEADING, type StorageFigures } from "./storage.ts";

const GOALS = { bytesPerPageView: 100, anonymousRows: 2, identifiedRows: 8, throughput: 1.0 };

const met = (ok: boolean) => (ok ? "met" : "**not met**");

/** The per-unit figures of a run. */
export function storageRatios(f: StorageFigures) {
  const r = f.rows;
  return {
    bytesPerPageView: (f.kept.d1 + f.kept.counters) / f.profile.pageViews,
    bytesPerPageViewBeforePruning: (f.grown.d1 + f.grown.counters) / f.profile.pageViews,
    d1BytesPerPageView: f.kept.d1 / f.profile.pageViews,
    counterBytesPerIdentifiedPageView: f.kept.counters / Math.max(1, f.profile.identifiedPageViews),
    counterBytesPerCharge: f.kept.counters / Math.max(1, f.charges),
    anonymousRows: r.anonymous.written / r.anonymous.pageViews,
    anonymousRowsRead: r.anonymous.read / r.anonymous.pageViews,
    anonymousEngagementRows: r.anonymous.engagementWritten / r.anonymous.pageViews,
    identifiedRows: r.identified.written / r.identified.pageViews,
    identifiedRowsRead: r.identified.read / r.identified.pageViews,
    repeatRows: r.identified.repeat.written / Math.max(1, r.identified.repeat.pageViews),
    repeatRowsRead: r.identified.repeat.read / Math.max(1, r.identified.repeat.pageViews),
    firstRows: r.identified.first.written / Math.max(1, r.identified.first.pageViews),
    receiptRows: r.identified.first.receipts / Math.max(1, r.identified.first.pageViews),
    ledgerRowsPerDebit: (r.mirror.hundred - r.mirror.one) / 99,
    ledgerRowsPerFlush: r.mirror.one - (r.mirror.hundred - r.mirror.one) / 99,
    identifiedEngagementRows: r.identified.engagementWritten / r.identified.pageViews,
    identifiedEngagementRowsRead: r.identified.engagementRead / r.identified.pageViews,
    mixedRows: r.mixed.written / f.profile.pageViews,
    deviceDeleteRows: r.pruneDevices.written / Math.max(1, r.pruneDevices.rows),
    visitorDeleteRows: r.pruneRetention.written / Math.max(1, r.pruneRetention.visitors),
    pageViewDeleteRows: r.pruneRetention.pageViewRows / Math.max(1, r.pruneRetention.pageViews),
    visitorOnlyDeleteRows: r.pruneRetention.visitorRows / Math.max(1, r.pruneRetention.visitors),
    throughput: f.throughput.perSecond / f.throughput.bare,
  };
}

export function storageSection(f: StorageFigures, command: string): string[] {
  const x = storageRatios(f);
  const p = f.profile;
  return [
    STORAGE_HEADING,
    "",
    `Measured ${f.measuredAt} with \`${command}\`. The profile: ${int(p.visitors)} visitors × 3 page views, each with`,
    `its engagement hit, over one UTC day; ${int(p.identified)} visitors (${Math.round((100 * p.identified) / p.visitors)} %) from`,
    `imported companies, each its own company (the worst case for what is kept). ${int(p.hits)} hits run through the`,
    "product's queue consumer in batches of 100, one batch after the other as a queue with one consumer delivers",
    "them (bench/driver/consumer.ts, in the same workerd, D1 metered; timed there, without a Node round trip per",
    "batch). Bytes are read from the SQLite files (`dbstat`): D1's file and every credit counter's.",
    "",
    "| figure | measured | goal | |",
    "|---|---:|---:|---|",
    `| bytes kept per page view (D1 + counters, after the cron drops yesterday's device rows) | ${one(x.bytesPerPageView)} B | ≤ ${GOALS.bytesPerPageView} B | ${met(x.bytesPerPageView <= GOALS.bytesPerPageView)} |`,
    `| bytes per page view before that (device rows still there) | ${one(x.bytesPerPageViewBeforePruning)} B | | |`,
    `| D1 rows written per anonymous page view | ${two(x.anonymousRows)} | ≤ ${GOALS.anonymousRows} | ${met(x.anonymousRows <= GOALS.anonymousRows)} |`,
    `| D1 rows written per identified page view (visitor, session, charge included) | ${two(x.identifiedRows)} | ≤ ${GOALS.identifiedRows} | ${met(x.identifiedRows <= GOALS.identifiedRows)} |`,
    `| stored hits per second through the consumer ÷ bare route's requests per second | ${two(x.throughput)} (${int(f.throughput.perSecond)} ÷ ${int(f.throughput.bare)}) | ≥ ${two(GOALS.throughput)} | ${met(x.throughput >= GOALS.throughput)} |`,
    `| counter (Durable Object) bytes per identified page view | ${one(x.counterBytesPerIdentifiedPageView)} B | | |`,
    `| counter bytes per charge | ${one(x.counterBytesPerCharge)} B | | |`,
    "",
    "Rows written and read (D1 `meta.rows_written` / `rows_read`, summed over the batches), per page view:",
    "",
    "| traffic | written | read |",
    "|---|---:|---:|",
    `| anonymous page view | ${two(x.anonymousRows)} | ${two(x.anonymousRowsRead)} |`,
    `| anonymous page view's engagement hit | ${two(x.anonymousEngagementRows)} | |`,
    `| identified page view | ${two(x.identifiedRows)} | ${two(x.identifiedRowsRead)} |`,
    `| … the visitor's first (a new visitor, its charge's receipt) | ${two(x.firstRows)} | |`,
    `| … a later one (visitor known and charged) | ${two(x.repeatRows)} | ${two(x.repeatRowsRead)} |`,
    `| identified page view's engagement hit | ${two(x.identifiedEngagementRows)} | ${two(x.identifiedEngagementRowsRead)} |`,
    `| the whole profile (mixed) | ${two(x.mixedRows)} | |`,
    `| the credit counter's outbox flush: per debit mirrored (ledger entry) | ${two(x.ledgerRowsPerDebit)} | |`,
    `| … per flush (the period snapshot) | ${two(x.ledgerRowsPerFlush)} | |`,
    `| cron: dropping a device row of a past day | ${two(x.deviceDeleteRows)} per row | |`,
    `| cron: removing an identified visitor's story past retention | ${two(x.visitorDeleteRows)} per visitor | |`,
    `| … of which per page view removed (with its share of the session) | ${two(x.pageViewDeleteRows)} | |`,
    `| … of which per visitor removed (row, search terms, count) | ${two(x.visitorOnlyDeleteRows)} | |`,
    "",
    "The profile runs one organization's day through the consumer, so a batch of 100 often holds several hits of one",
    "visitor or device, and the day's device row, rollup, visitor and session are written once for them all. A queue",
    "that every organization shares rarely puts two hits of one small organization in a batch; the same hits one to a",
    "batch write, per hit:",
    "",
    "| hit, alone in its batch | rows written |",
    "|---|---:|",
    `| anonymous page view | ${two(f.rows.alone.anonymous)} |`,
    `| identified page view, the visitor's first | ${two(f.rows.alone.first)} |`,
    `| identified page view, a later one | ${two(f.rows.alone.repeat)} |`,
    `| identified page view's engagement hit | ${two(f.rows.alone.engagement)} |`,
    "",
    "What the profile left in D1, by table group (bytes; after = after the device rows' pruning):",
    "",
    "| group | during | after | per page view after |",
    "|---|---:|---:|---:|",
    ...f.byGroup.map(([g, during, after]) => `| ${g} | ${int(during)} | ${int(after)} | ${one(after / p.pageViews)} |`),
    `| credit counters (Durable Object SQLite) | ${int(f.grown.counters)} | ${int(f.kept.counters)} | ${one(f.kept.counters / p.pageViews)} |`,
    "",
    `${int(f.charges)} charges, ${int(f.devices)} device rows. Before the storage model (commit 4ae6650) the same`,
    "profile grew D1 by about 1,020 B per page view and the counters by 43 B.",
    "",
  ];
}

/** The unit costs this run measured, in the shape the scale simulation reads. */
export function measuredUnitCosts(f: StorageFigures, command: string): UnitCostsFile {
  const x = storageRatios(f);
  const r = f.rows;
  const group = (name: string) => f.byGroup.find(([g]) => g.startsWith(name))?.[2] ?? 0;
  const identified = Math.max(1, f.profile.identified);
  const note = `measured by ${command} at ${f.measuredAt}`;
  // A new visitor's first page view writes what a later one does, its visitor's extra rows and its charge's receipt.
  const newVisitorRows = Math.max(0, x.firstRows - x.repeatRows - x.receiptRows);
  return {
    source: MEASURED_SOURCE,
    measuredAt: f.measuredAt,
    command,
    units: {
      anonymousPageView: { rowsWritten: x.anonymousRows, rowsRead: x.anonymousRowsRead, note },
      anonymousEngagement: { rowsWritten: x.anonymousEngagementRows, note },
      identifiedPageView: {
        bytes: (group("page views") + group("sessions")) / Math.max(1, f.profile.identifiedPageViews),
        rowsWritten: x.repeatRows,
        rowsRead: x.repeatRowsRead,
        deleteRowsWritten: x.pageViewDeleteRows,
        note:
          `${note}; rows of a page view of a visitor known and charged (a new visitor's and a charge's are their own ` +
          "units); deleteRowsWritten: the retention sweep removing it with its share of its session",
      },
      identifiedEngagement: { rowsWritten: x.identifiedEngagementRows, rowsRead: x.identifiedEngagementRowsRead, note },
      deviceDay: { rowsWritten: x.deviceDeleteRows, note: `${note}; the delete of a past day's row` },
      visitor: {
        bytes: group("visitors") / identified,
        rowsWritten: newVisitorRows,
        deleteRowsWritten: x.visitorOnlyDeleteRows,
        note:
          `${note}; rowsWritten: a new visitor's first page view less a later one's and its receipt; ` +
          "deleteRowsWritten: the sweep removing the visitor (row, search terms, count; its page views are theirs)",
      },
      hitAlone: {
        anonymousPageView: r.alone.anonymous,
        identifiedPageView: r.alone.repeat,
        visitor: Math.max(0, r.alone.first - r.alone.repeat - x.receiptRows),
        identifiedEngagement: r.alone.engagement,
        note: `${note}; each hit alone in its consumer batch`,
      },
      charge: {
        bytes: (group("receipts") + group("ledger")) / Math.max(1, f.charges),
        rowsWritten: x.receiptRows + x.ledgerRowsPerDebit + x.ledgerRowsPerFlush,
        counterBytes: x.counterBytesPerCharge,
        note:
          `${note}; rowsWritten: the receipt, and the counter's outbox flush mirroring its debit (counted as a flush ` +
          "of its own, as a small organization's charges are)",
      },
    },
  };
}

/**
 * Writes the units a part of the bench measured into the measured file, over what other parts (or earlier
 * runs) left there: the storage section measures bytes and rows, the per-hit CPU section the hit's CPU.
 */
export function writeUnitCosts(path: string, costs: UnitCostsFile): void {
  const before = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as UnitCostsFile) : undefined;
  const units = { ...before?.units } as Record<string, object>;
  for (const [unit, fields] of Object.entries(costs.units)) units[unit] = { ...units[unit], ...fields };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ ...costs, units }, null, 2)}\n`);
}
