/**
 * One organization's credit counter (Durable Object), driven from a bench-only Worker in the same workerd
 * (bench/workers.ts, no Node round trip), 16 calls in flight: debits against a no-op RPC on the same object.
 */
import type { BenchWorker } from "./bench-worker.ts";
import { int, r2 } from "./format.ts";
import { log, QUICK } from "./options.ts";
import { DO_HOST } from "./workers.ts";

export const GOAL = 0.8;

interface CounterRun {
  ms: number;
  calls: number;
  debits: number;
  perSecond: number;
  debitsPerSecond: number;
}

export interface CreditCounterFigures {
  noop: CounterRun;
  debit1: CounterRun;
  debit100: CounterRun;
}

export async function measureCreditCounter(b: BenchWorker, organizationId: string): Promise<CreditCounterFigures> {
  log("credit counter: debits vs a no-op RPC on the same object");
  const counter = async (op: string, n: number, c: number): Promise<CounterRun> => {
    const res = await b.worker.mf.dispatchFetch(
      `http://${DO_HOST}/?org=${organizationId}&op=${op}&n=${n}&c=${c}&run=${op}${Date.now()}`,
    );
    const j = (await res.json()) as { ms: number; calls: number; debits: number };
    return {
      ...j,
      perSecond: (j.calls * 1000) / Math.max(1, j.ms),
      debitsPerSecond: (j.debits * 1000) / Math.max(1, j.ms),
    };
  };
  await counter("balance", 500, 16);
  await counter("charge", 500, 16);
  const n = QUICK ? 1_000 : 5_000;
  const noop = await counter("balance", n, 16);
  const debit1 = await counter("charge", n, 16);
  const debit100 = await counter("charge100", QUICK ? 20 : 100, 4);
  return { noop, debit1, debit100 };
}

export const debitRatio = (f: CreditCounterFigures) => f.debit1.perSecond / f.noop.perSecond;

export function creditCounterShortfalls(f: CreditCounterFigures): string[] {
  const ratio = debitRatio(f);
  return ratio < GOAL
    ? [`credit counter: one debit per call runs at ${r2(ratio)} of a no-op call, goal ≥ ${GOAL}`]
    : [];
}

export function creditCounterSection(f: CreditCounterFigures): string[] {
  return [
    "## Credit counter (Durable Object), one organization",
    "",
    "Driven from a bench-only Worker in the same workerd process (no Node round trip), 16 calls in flight.",
    "",
    "| call | calls/s | debits/s | ratio to no-op |",
    "|---|---:|---:|---:|",
    `| \`balance()\` (the cheapest RPC: a read in one transaction), ${int(f.noop.calls)} calls | ${int(f.noop.perSecond)} | – | 1.00 |`,
    `| \`charge([1 request])\`, ${int(f.debit1.calls)} calls | ${int(f.debit1.perSecond)} | ${int(f.debit1.debitsPerSecond)} | **${r2(debitRatio(f))}** |`,
    `| \`charge([100 requests])\` (how the consumer calls it: one call per batch), ${int(f.debit100.calls)} calls | ${int(f.debit100.perSecond)} | ${int(f.debit100.debitsPerSecond)} | ${r2(f.debit100.debitsPerSecond / f.noop.perSecond)} (debits/s ÷ no-op calls/s) |`,
    "",
  ];
}
