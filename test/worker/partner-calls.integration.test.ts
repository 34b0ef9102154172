/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { call } from "./support/api";
import { newPartner } from "./support/partners";
import script from "../fixtures/partner-calls.sh?raw";

// The first calls of a partner integration (test/fixtures/partner-calls.sh), run as written
// against this Worker: only the key and `{organizationId}` are substituted.

interface CurlCommand {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Every `curl …` command of a shell script (continuation lines joined, comments skipped). */
function curlCommands(shell: string): string[][] {
  const text = shell.replace(/\\\n/g, " ").replace(/^#.*$/gm, "");
  const commands: string[][] = [];
  for (let at = text.search(/(^|\n)\s*curl /); at !== -1;) {
    const { words, end } = shellWords(text, at);
    if (words[0] === "curl") commands.push(words);
    const next = text.slice(end).search(/(^|\n)\s*curl /);
    at = next === -1 ? -1 : end + next;
  }
  return commands;
}

/**
 * Shell words from `start` to the first newline outside quotes: single quotes literal,
 * double quotes with backslash escapes (a JSON body keeps its newlines).
 */
function shellWords(text: string, start: number): { words: string[]; end: number } {
  const words: string[] = [];
  let word: string | null = null;
  let i = start;
  while (i < text.length && /\s/.test(text.charAt(i))) i++;
  for (; i < text.length && text[i] !== "\n"; i++) {
    const ch = text.charAt(i);
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      if (end === -1) throw new Error(`unclosed ${ch} in: ${text.slice(start)}`);
      const quoted = text.slice(i + 1, end);
      word = (word ?? "") + (ch === '"' ? quoted.replace(/\\(.)/g, "$1") : quoted);
      i = end;
    } else if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? "") + ch;
    }
  }
  if (word !== null) words.push(word);
  return { words, end: i };
}

function parseCurl(curl: string[]): CurlCommand {
  const line = curl.join(" ");
  const words = curl.slice(1);
  const command: CurlCommand = { method: "", url: "", headers: {} };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === "-X" || word === "--request") command.method = words[++i]!;
    else if (word === "-H" || word === "--header") {
      const [name, ...value] = words[++i]!.split(":");
      command.headers[name!.trim().toLowerCase()] = value.join(":").trim();
    } else if (word === "-d" || word === "--data" || word === "--data-raw") command.body = words[++i]!;
    else if (word.startsWith("-")) throw new Error(`unsupported curl flag ${word} in: ${line}`);
    else command.url = word;
  }
  // curl's default: GET, or POST when there is a body.
  command.method ||= command.body === undefined ? "GET" : "POST";
  return command;
}

const examples = curlCommands(script).map((words) => ({ line: words.join(" "), command: parseCurl(words) }));

describe("the first calls of a partner integration", () => {
  it("are found in the fixture, each with the placeholder key", () => {
    expect(examples.length).toBeGreaterThan(0);
    for (const { command } of examples) expect(command.headers["x-partner-api-key"]).toBe("YOUR_API_KEY");
  });

  it("all succeed, in order, with a real key", async () => {
    const { key, api } = await newPartner();
    // An organization for the examples that act on one, in case none of them creates it first.
    let organizationId: string = (await api("POST", "/organizations", { name: "Docs example" })).body.organization.id;
    for (const { line, command } of examples) {
      const url = new URL(command.url.replaceAll("{organizationId}", organizationId));
      expect(url.pathname.startsWith("/api/v1/"), line).toBe(true);
      const headers = { ...command.headers, "x-partner-api-key": key };
      const res = await call(command.method, `${url.pathname}${url.search}`, { headers, body: command.body });
      expect(res.status, `${line}\n→ ${res.text}`).toBeGreaterThanOrEqual(200);
      expect(res.status, `${line}\n→ ${res.text}`).toBeLessThan(300);
      // The example that creates an organization provides the id the later ones use.
      if (command.method === "POST" && url.pathname === "/api/v1/partner/organizations")
        organizationId = res.body.organization.id;
    }
  });
});
