import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError, issuesToDetails, type FieldProblem } from "../http/errors";

/** Largest import body, well under the Workers request limit; split bigger files. */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;
/** Records written per D1 batch (one transaction each), inside D1's per-batch limits. */
export const RECORDS_PER_BATCH = 50;

/**
 * Reads an import body: a JSON array, or NDJSON (one object per line) for large files.
 * Every record is validated before anything is written; all problems are reported at once.
 */
export async function readRecords<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>[]> {
  if (Number(c.req.header("content-length") ?? 0) > MAX_IMPORT_BYTES) throw tooLarge();
  const text = await c.req.text();
  if (text.length > MAX_IMPORT_BYTES) throw tooLarge();
  let raw: unknown[];
  try {
    raw = text.trimStart().startsWith("[")
      ? (JSON.parse(text) as unknown[])
      : text
          .split("\n")
          .filter((line) => line.trim() !== "")
          .map((line) => JSON.parse(line) as unknown);
  } catch {
    throw new ApiError("BadRequest", "Body must be a JSON array or NDJSON (one JSON object per line)");
  }
  if (!Array.isArray(raw) || raw.length === 0) throw new ApiError("BadRequest", "No records to import");
  const records: z.infer<T>[] = [];
  const problems: FieldProblem[] = [];
  raw.forEach((item, index) => {
    const parsed = schema.safeParse(item);
    if (parsed.success) records.push(parsed.data);
    else
      problems.push(
        ...issuesToDetails(parsed.error.issues.map((issue) => ({ ...issue, path: [index, ...issue.path] }))),
      );
  });
  if (problems.length > 0)
    throw new ApiError("BadRequest", "Invalid records; nothing was imported", problems.slice(0, 100));
  return records;
}

/** Runs per-record statement groups in D1 batches of RECORDS_PER_BATCH records. */
export async function writeInBatches(db: D1Database, groups: D1PreparedStatement[][]): Promise<void> {
  for (let i = 0; i < groups.length; i += RECORDS_PER_BATCH) {
    await db.batch(groups.slice(i, i + RECORDS_PER_BATCH).flat());
  }
}

const tooLarge = () => new ApiError("PayloadTooLarge", `Import larger than ${MAX_IMPORT_BYTES} bytes; split it`);
