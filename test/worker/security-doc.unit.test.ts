import { describe, expect, it } from "vitest";
import security from "../../docs/security.md?raw";

/**
 * The threat model stays whole: every finding id a test title or a document cites has its section
 * in docs/security.md, and every test that page names exists under that title.
 */

const globbed = import.meta.glob<string>(["../**/*.test.ts"], { query: "?raw", import: "default", eager: true });
/** Test sources by their path in the repository (`test/worker/…`): the glob names this folder's files `./…`. */
const tests = Object.fromEntries(
  Object.entries(globbed).map(([key, source]) => [
    key.startsWith("./") ? `test/worker/${key.slice(2)}` : `test/${key.slice(3)}`,
    source,
  ]),
);
const docs = import.meta.glob<string>(["../../docs/*.md", "../../README.md"], {
  query: "?raw",
  import: "default",
  eager: true,
});

const ID = /\b(?:H[1-4]|M[1-8]|L1[0-2]|L[1-9]|N1[0-5]|N[1-9]|I1)\b/g;
const sections = new Set([...security.matchAll(/^### ([A-Z]\d+): /gm)].map((m) => m[1]!));
/** Titles of `it(…)`, `it.each(…)(…)` and `describe(…)` calls, as written. */
const titlesOf = (source: string) =>
  [...source.matchAll(/\b(?:it|test|describe)(?:\.each\([\s\S]{0,400}?\))?\(\s*(["'`])(.*?)\1/gs)].map((m) => m[2]!);

describe("docs/security.md", () => {
  it("has a section for every id of both audits", () => {
    const expected = [
      ...["H", "M"].flatMap((k) => Array.from({ length: k === "H" ? 4 : 8 }, (_, i) => `${k}${i + 1}`)),
      ...Array.from({ length: 12 }, (_, i) => `L${i + 1}`),
      "I1",
      ...Array.from({ length: 15 }, (_, i) => `N${i + 1}`),
    ];
    expect([...sections].sort()).toEqual(expected.sort());
  });

  it("has the section of every id a test title cites", () => {
    const cited = Object.entries(tests).flatMap(([file, source]) =>
      titlesOf(source).flatMap((title) => [...title.matchAll(ID)].map((m) => ({ file, id: m[0] }))),
    );
    expect(cited.length).toBeGreaterThan(50);
    expect(cited.filter(({ id }) => !sections.has(id))).toEqual([]);
  });

  it("names at least one test under every finding, in the form the next test checks", () => {
    const bodies = security.split(/^### /m).slice(1);
    const untested = bodies
      .filter((body) => !/^- `test\/[^`]+`: ".*"$/m.test(body))
      .map((body) => body.slice(0, body.indexOf(":")));
    expect(bodies.length).toBe(sections.size);
    expect(untested).toEqual([]);
  });

  it("has the section of every id another document cites", () => {
    const cited = Object.entries(docs)
      .filter(([file]) => !file.endsWith("security.md"))
      .flatMap(([file, text]) =>
        text
          .split("\n")
          // Ids stand alone in prose ("(H1, variant A)", "(L10)"); query plans and code spans are not citations.
          .filter((line) => !line.startsWith("    ") && !/SEARCH|SCAN/.test(line))
          .flatMap((line) => [...line.replace(/`[^`]*`/g, "").matchAll(ID)].map((m) => ({ file, id: m[0] }))),
      );
    expect(cited.filter(({ id }) => !sections.has(id))).toEqual([]);
  });

  it("names only tests that exist, each under its exact title", () => {
    const named = [...security.matchAll(/^- `(test\/[^`]+)`: "(.*)"$/gm)].map((m) => ({ file: m[1]!, title: m[2]! }));
    expect(named.length).toBeGreaterThan(50);
    const missing = named.filter(({ file, title }) => {
      const source = tests[file];
      return source === undefined || !titlesOf(source).includes(title);
    });
    expect(missing).toEqual([]);
  });
});
