/**
 * What the sources of the Worker keep to, read from the files themselves: the HTTP front-ends hold
 * no SQL outside their `queries.ts` modules, and no file grows past what one reading takes in.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./import-graph.ts";

/** The front-ends whose handlers call domain modules and `queries.ts`, never D1 themselves. */
const FRONT_ENDS = ["worker/partner-api", "worker/admin", "worker/dashboard"];
/** Longest file under `worker/`, in lines. */
const MAX_LINES = 400;
/** Files held to a tighter bound: the credit counter is its RPC surface and the charge decision only. */
const TIGHTER: Record<string, number> = { "worker/credits/counter.ts": 350 };

/** What runs or writes SQL: a D1 call, or a statement's text. */
const SQL = [
  /\.(prepare|batch|exec)\(/,
  /\bSELECT\b[^;]*?\bFROM\b/,
  /\bINSERT\s+(OR\s+[A-Z]+\s+)?INTO\b/,
  /\bUPDATE\s+\w+\s+SET\b/,
  /\bDELETE\s+FROM\b/,
];

const sourcesUnder = (folder: string) =>
  readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => /\.tsx?$/.test(file))
    .map((file) => join(folder, file));

const isQueriesModule = (file: string) => /(^|\/)queries(\.ts|\/)/.test(file);

const linesOf = (file: string) => readFileSync(join(ROOT, file), "utf8").replace(/\n$/, "").split("\n");

describe("the sources of the Worker", () => {
  it("the partner API, the operator API and the dashboard run SQL only in their queries.ts modules", () => {
    const found = FRONT_ENDS.flatMap(sourcesUnder)
      .filter((file) => !isQueriesModule(file))
      .flatMap((file) =>
        linesOf(file).flatMap((line, i) =>
          SQL.some((pattern) => pattern.test(line)) ? [`${file}:${i + 1}: ${line.trim()}`] : [],
        ),
      );
    expect(found).toEqual([]);
  });

  it(`no file under worker/ is longer than ${MAX_LINES} lines, and the credit counter not longer than ${TIGHTER["worker/credits/counter.ts"]}`, () => {
    const tooLong = sourcesUnder("worker")
      .map((file) => ({ file, lines: linesOf(file).length }))
      .filter(({ file, lines }) => lines > (TIGHTER[file] ?? MAX_LINES))
      .map(({ file, lines }) => `${file}: ${lines} lines (at most ${TIGHTER[file] ?? MAX_LINES})`);
    expect(tooLong).toEqual([]);
  });
});
