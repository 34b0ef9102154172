import { describe, expect, it } from "vitest";
import { parseHit } from "../../worker/edge/hit-body";

const key = "0123456789abcdef01234567";
const id = "0f8fad5b-d9cb-469f-a165-70867728950e";
const hash = "a".repeat(64);
const url = "https://client.example/pricing";

/** The fields named in the problems of a body the edge refuses. */
const fieldsOf = (body: unknown) => {
  const parsed = parseHit(body);
  if (!("problems" in parsed)) throw new Error(`accepted ${JSON.stringify(body)}`);
  return parsed.problems.map((p) => p.field);
};

describe("hit body, as the edge checks it", () => {
  it("accepts each kind of hit and keeps only the fields of its kind", () => {
    expect(parseHit({ k: key, t: "v", i: id, u: url, r: "https://search.example/", w: 1280, extra: "x" })).toEqual({
      hit: { k: key, t: "v", i: id, u: url, r: "https://search.example/", w: 1280 },
    });
    expect(parseHit({ k: key, t: "e", i: id, u: url, p: id, s: 12, d: 40, r: "dropped" })).toEqual({
      hit: { k: key, t: "e", i: id, u: url, p: id, s: 12, d: 40 },
    });
    expect(parseHit({ k: key, t: "i", i: id, u: url, h: hash, b: 1 })).toEqual({
      hit: { k: key, t: "i", i: id, u: url, h: hash, b: 1 },
    });
  });

  it("reads the array form the pixel sends", () => {
    const bytes = Array.from({ length: 16 }, (_, n) => n).join(",");
    expect(parseHit([key, "v", bytes, url, null, true, "", 1280])).toEqual({
      hit: { k: key, t: "v", i: "000102030405060708090a0b0c0d0e0f", u: url, b: 1, w: 1280 },
    });
  });

  it("clamps engagement of a page left open for days to one day", () => {
    const parsed = parseHit({ k: key, t: "e", i: id, u: url, p: id, s: 500_000, d: 100 });
    expect(parsed).toMatchObject({ hit: { s: 86_400 } });
  });

  it("names every wrong field at once", () => {
    expect(fieldsOf({ k: "short", t: "v", i: "not-an-id", u: "javascript:alert(1)", w: 1.5, r: 7 })).toEqual([
      "k",
      "i",
      "u",
      "r",
      "w",
    ]);
    expect(fieldsOf({ k: key, t: "e", i: id, u: url, s: -1, d: 101 })).toEqual(["p", "s", "d"]);
  });

  it("requires the email hash of an identify hit, as 64 lowercase hex digits", () => {
    expect(fieldsOf({ k: key, t: "i", i: id, u: url })).toEqual(["h"]);
    expect(fieldsOf({ k: key, t: "i", i: id, u: url, h: hash.toUpperCase() })).toEqual(["h"]);
    expect(fieldsOf({ k: key, t: "v", i: id, u: url, h: "jane@example.com" })).toEqual(["h"]);
  });

  it("refuses what is not a hit: another kind, another type, null in place of a field", () => {
    expect(fieldsOf({ k: key, t: "x", i: id, u: url })).toEqual(["t"]);
    expect(fieldsOf("a string")).toEqual([""]);
    expect(fieldsOf(null)).toEqual([""]);
    expect(fieldsOf({ k: key, t: "v", i: id, u: url, r: null })).toEqual(["r"]);
    expect(fieldsOf({ k: key, t: "v", i: id, u: url, b: true })).toEqual(["b"]);
    expect(fieldsOf({ k: "k".repeat(65), t: "v", i: id, u: `https://client.example/${"a".repeat(4096)}` })).toEqual([
      "k",
      "u",
    ]);
  });
});
