/**
 * Per-unit costs (bytes and rows per page view, per identification, per organization; CPU; message size):
 * `bench/results/unit-costs.json` when the bench has measured them, over `bench/unit-costs.default.json`
 * (estimates, each with its note). A measured file may cover only some units or fields; the rest keep
 * their defaults and the report says which.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "../../scripts/lib.ts";

export const MEASURED_UNIT_COSTS = join(ROOT, "bench", "results", "unit-costs.json");
export const DEFAULT_UNIT_COSTS = join(ROOT, "bench", "unit-costs.default.json");
/** The `source` of the measured file, which the storage and the per-hit CPU sections each write units into. */
export const MEASURED_SOURCE = "bench: storage and per-hit CPU sections";

export interface UnitCosts {
  anonymousPageView: { rowsWritten: number; rowsRead: number };
  deviceDay: { bytes: number; rowsWritten: number };
  organizationDay: { bytes: number; deleteRowsWritten: number };
  organization: { bytes: number };
  identifiedPageView: { bytes: number; rowsWritten: number; rowsRead: number; deleteRowsWritten: number };
  identifiedEngagement: { rowsWritten: number; rowsRead: number };
  anonymousEngagement: { rowsWritten: number; rowsRead: number };
  visitor: { bytes: number; rowsWritten: number; deleteRowsWritten: number };
  charge: {
    bytes: number;
    rowsWritten: number;
    rowsRead: number;
    deleteRowsWritten: number;
    counterBytes: number;
    counterRowsWritten: number;
  };
  hit: {
    queueMessageBytes: number;
    messagesPerHit: number;
    edgeCpuMs: number;
    consumerCpuMs: number;
    kvReads: number;
    catalogRowsRead: number;
  };
  counterCall: { wallMs: number; requests: number };
  /** Rows written by hits alone in their consumer batches, in place of the units' own `rowsWritten`. */
  hitAlone: { anonymousPageView: number; identifiedPageView: number; visitor: number; identifiedEngagement: number };
}

/**
 * The file the bench's storage section writes (`bench/results/unit-costs.json`) and the committed
 * defaults (`bench/unit-costs.default.json`) share this shape. Each unit carries a `note` saying how
 * its figures were obtained; a measured file may leave units or fields out.
 */
export interface UnitCostsFile {
  source: string;
  measuredAt: string | null;
  command: string | null;
  units: { [K in keyof UnitCosts]?: Partial<UnitCosts[K]> & { note?: string } };
}

export interface LoadedUnitCosts {
  units: UnitCosts;
  /** Per unit: where its figures come from (the file and its note). */
  provenance: Record<keyof UnitCosts, { file: string; measuredFields: string[]; note: string }>;
  measuredFile?: string;
}

function readUnitCosts(path: string): UnitCostsFile {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as UnitCostsFile;
  if (typeof parsed !== "object" || parsed === null || typeof parsed.units !== "object")
    throw new Error(`${path}: expected { source, measuredAt, command, units }`);
  for (const [unit, fields] of Object.entries(parsed.units))
    for (const [field, value] of Object.entries(fields ?? {}))
      if (field !== "note" && !(typeof value === "number" && Number.isFinite(value) && value >= 0))
        throw new Error(`${path}: units.${unit}.${field} must be a non-negative number, got ${JSON.stringify(value)}`);
  return parsed;
}

/** Defaults, overridden field by field by the measured file when there is one. */
export function loadUnitCosts(measuredPath?: string): LoadedUnitCosts {
  const defaults = readUnitCosts(DEFAULT_UNIT_COSTS);
  const measured = measuredPath ? readUnitCosts(measuredPath) : undefined;
  for (const [unit, fields] of Object.entries(measured?.units ?? {})) {
    const known = defaults.units[unit as keyof UnitCosts];
    if (!known)
      throw new Error(`${measuredPath}: unknown unit '${unit}' (known: ${Object.keys(defaults.units).join(", ")})`);
    for (const field of Object.keys(fields ?? {}))
      if (!(field in known)) throw new Error(`${measuredPath}: unknown field '${unit}.${field}'`);
  }
  const units = {} as Record<string, Record<string, number>>;
  const provenance = {} as LoadedUnitCosts["provenance"];
  for (const key of Object.keys(defaults.units) as (keyof UnitCosts)[]) {
    const { note: defaultNote, ...base } = defaults.units[key] ?? {};
    const { note: measuredNote, ...over } = measured?.units[key] ?? {};
    units[key] = { ...base, ...over } as Record<string, number>;
    provenance[key] =
      measured && Object.keys(over).length > 0
        ? { file: rel(measuredPath!), measuredFields: Object.keys(over), note: measuredNote ?? measured.source }
        : { file: rel(DEFAULT_UNIT_COSTS), measuredFields: [], note: defaultNote ?? "" };
  }
  return { units: units as unknown as UnitCosts, provenance, measuredFile: measuredPath && rel(measuredPath) };
}

/** Repository-relative when inside it, absolute otherwise. */
export const rel = (path: string) => (relative(ROOT, path).startsWith("..") ? path : relative(ROOT, path));
