import { configOf } from "../config";
import type { Env } from "../env";
import { dohRecords } from "../lib/doh";

export type RecordType = "CNAME" | "TXT";

/** The records of `type` at `name`: CNAME targets lower-cased without the final dot, TXT strings joined. */
export async function lookup(env: Env, name: string, type: RecordType): Promise<string[]> {
  const records = await dohRecords(configOf(env).dohUrl, name, type);
  return records.map((data) => (type === "CNAME" ? normalizeHost(data) : txtValue(data)));
}

export const normalizeHost = (host: string) => host.trim().toLowerCase().replace(/\.$/, "");

/** A TXT record comes as one or more quoted character-strings (`"a" "b"`); its value is their concatenation. */
function txtValue(data: string): string {
  const parts = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!.replace(/\\(.)/g, "$1"));
  return parts.length > 0 ? parts.join("") : data;
}
