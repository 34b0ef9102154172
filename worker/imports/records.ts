import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { payloadTooLarge } from "../lib/body-limit";
import { ApiError, issuesToDetails, type FieldProblem } from "../lib/errors";
import { randomHex } from "../lib/ids";
import { isoSeconds } from "../lib/time";

/** Largest NDJSON import, read as a stream (never held whole); split bigger files. */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;
/** Largest JSON-array import: an array is parsed whole, so big files go as NDJSON. */
export const MAX_ARRAY_IMPORT_BYTES = 5 * 1024 * 1024;
/** Longest single record in characters of JSON (one NDJSON line, or one element of an array). */
export const MAX_RECORD_LENGTH = 512 * 1024;
/** Records written per D1 batch (one transaction each), inside D1's per-batch limits. */
export const RECORDS_PER_BATCH = 50;
/** A staged chunk holds at most this many records and about this many bytes: what an import holds in memory at once. */
const CHUNK_RECORDS = 500;
const CHUNK_BYTES = 512 * 1024;
/** Problems reported at most. */
const MAX_PROBLEMS = 100;

const notJson = () => new ApiError("BadRequest", "Body must be a JSON array or NDJSON (one JSON object per line)");

/**
 * An import (a JSON array, or NDJSON with one object per line): every record is validated and
 * staged in D1 (`import_chunks`) as the body streams in, so a 50 MB file never sits in memory;
 * only when all are valid are they written, chunk by chunk from the stage, by `write`. Nothing is
 * written otherwise, and every problem is reported at once (the first 100). Returns the count.
 */
export async function importRecords<T extends z.ZodType>(
  c: Context,
  schema: T,
  write: (records: z.output<T>[]) => D1PreparedStatement[][],
): Promise<number> {
  const db: D1Database = c.env.CATALOG;
  const importId = `imp_${randomHex(12)}`;
  try {
    const staged = await stage(db, importId, rawRecords(c.req.raw), schema);
    if (staged === 0) throw new ApiError("BadRequest", "No records to import");
    for (let seq = 0; ; seq++) {
      const chunk = await db
        .prepare("SELECT records FROM import_chunks WHERE import_id = ? AND seq = ?")
        .bind(importId, seq)
        .first<{ records: string }>();
      if (!chunk) break;
      const records = (JSON.parse(chunk.records) as unknown[]).map((item) => schema.parse(item));
      await writeInBatches(db, write(records));
    }
    return staged;
  } finally {
    await db.prepare("DELETE FROM import_chunks WHERE import_id = ?").bind(importId).run();
  }
}

/** Validates every record and stages the valid ones in chunks; throws 400 with every problem at the end. */
async function stage(
  db: D1Database,
  importId: string,
  records: AsyncIterable<string>,
  schema: z.ZodType,
): Promise<number> {
  const problems: FieldProblem[] = [];
  let chunk: string[] = [];
  let chunkBytes = 0;
  let chunks = 0;
  let index = 0;
  const flush = async () => {
    if (chunk.length > 0 && problems.length === 0) {
      await db
        .prepare("INSERT INTO import_chunks (import_id, seq, records, created_at) VALUES (?, ?, ?, ?)")
        .bind(importId, chunks++, `[${chunk.join(",")}]`, isoSeconds())
        .run();
    }
    chunk = [];
    chunkBytes = 0;
  };
  for await (const raw of records) {
    let item: unknown;
    try {
      item = JSON.parse(raw);
    } catch {
      throw notJson();
    }
    const parsed = schema.safeParse(item);
    if (!parsed.success && problems.length < MAX_PROBLEMS) {
      problems.push(
        ...issuesToDetails(parsed.error.issues.map((issue) => ({ ...issue, path: [index, ...issue.path] }))),
      );
    }
    chunk.push(raw);
    chunkBytes += raw.length;
    index += 1;
    if (chunk.length === CHUNK_RECORDS || chunkBytes >= CHUNK_BYTES) await flush();
  }
  await flush();
  if (problems.length > 0)
    throw new ApiError("BadRequest", "Invalid records; nothing was imported", problems.slice(0, MAX_PROBLEMS));
  return index;
}

/**
 * The body's records as JSON texts, as they arrive: a JSON array is parsed whole (up to
 * MAX_ARRAY_IMPORT_BYTES); anything else is NDJSON, read line by line (up to MAX_IMPORT_BYTES).
 */
async function* rawRecords(request: Request): AsyncGenerator<string> {
  if (Number(request.headers.get("content-length") ?? 0) > MAX_IMPORT_BYTES) throw tooLarge(MAX_IMPORT_BYTES);
  if (!request.body) return;
  const decoder = new TextDecoder();
  const reader = request.body.getReader();
  let bytes = 0;
  let pending = "";
  let isArray: boolean | null = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      pending += decoder.decode(value, { stream: true });
      isArray ??= pending.trimStart() === "" ? null : pending.trimStart().startsWith("[");
      if (isArray) {
        if (bytes > MAX_ARRAY_IMPORT_BYTES) throw tooLarge(MAX_ARRAY_IMPORT_BYTES, "A JSON-array import");
        continue;
      }
      if (bytes > MAX_IMPORT_BYTES) throw tooLarge(MAX_IMPORT_BYTES);
      const lines = pending.split("\n");
      pending = lines.pop()!;
      if (pending.length > MAX_RECORD_LENGTH) throw tooLarge(MAX_RECORD_LENGTH, "A record");
      for (const line of lines) {
        if (line.length > MAX_RECORD_LENGTH) throw tooLarge(MAX_RECORD_LENGTH, "A record");
        if (line.trim() !== "") yield line;
      }
    }
  } finally {
    reader.releaseLock();
  }
  pending += decoder.decode();
  if (isArray) {
    let items: unknown;
    try {
      items = JSON.parse(pending);
    } catch {
      items = null;
    }
    if (!Array.isArray(items)) throw notJson();
    for (const item of items) {
      const text = JSON.stringify(item);
      if (text.length > MAX_RECORD_LENGTH) throw tooLarge(MAX_RECORD_LENGTH, "A record");
      yield text;
    }
  } else if (pending.trim() !== "") {
    yield pending;
  }
}

const tooLarge = (maxBytes: number, what = "Import") => payloadTooLarge(maxBytes, what);

/** Runs per-record statement groups in D1 batches of RECORDS_PER_BATCH records. */
export async function writeInBatches(db: D1Database, groups: D1PreparedStatement[][]): Promise<void> {
  for (let i = 0; i < groups.length; i += RECORDS_PER_BATCH) {
    await db.batch(groups.slice(i, i + RECORDS_PER_BATCH).flat());
  }
}

/** Drops what imports that never finished left staged (an isolate stopped mid-import). */
export async function pruneImportChunks(db: D1Database, now = Date.now()): Promise<void> {
  await db
    .prepare("DELETE FROM import_chunks WHERE created_at < ?")
    .bind(isoSeconds(now - 24 * 3600_000))
    .run();
}
