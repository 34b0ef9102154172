/**
 * The OpenAPI document as a partner's tooling meets it: Redocly's linter (rules in redocly.yaml)
 * has nothing to say about it, and a client generated from it with openapi-typescript and
 * openapi-fetch makes the README's "First partner calls" (test/fixtures/partner-calls-client.ts):
 * they type-check against the generated types and succeed against the real Worker. Run in Node:
 * both tools and tsc are Node programs.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import openapiTS, { astToString } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib.ts";
import { startWorker, type LocalWorker } from "./support/worker.ts";

const run = promisify(execFile);
const BIN = join(ROOT, "node_modules/.bin");
const FIXTURE = join(ROOT, "test/fixtures/partner-calls-client.ts");
// Inside the repository, so the generated client resolves openapi-fetch from node_modules.
const WORK = join(ROOT, ".wrangler/openapi-client");

type Document = {
  paths: Record<string, unknown>;
  components: {
    requestBodies: Record<string, { content: { "application/json": { schema: { required?: string[] } } } }>;
  };
};

/** The fixture's shape, written out: its own types come from the generated client, which only exists at test time. */
interface PartnerCalls {
  firstPartnerCalls(
    baseUrl: string,
    partnerKey: string,
    externalId: string,
  ): Promise<{
    organization: { id: string };
    scriptTag?: string;
    allowedReferrers?: string[];
    creditsAllocated?: number;
    visitors?: unknown[];
    foundIds?: string[];
    status?: string;
  }>;
}

let worker: LocalWorker | undefined;
let doc: Document;

beforeAll(async () => {
  worker = await startWorker();
  const res = await fetch(`${worker.url}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  doc = await res.json();
  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
});
afterAll(async () => {
  await worker?.stop();
});

/** Generates the client types from `document` into `dir` beside the README calls, and runs tsc on them. */
async function typeCheckCalls(document: unknown, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "partner-api.ts"),
    astToString(await openapiTS(document as Parameters<typeof openapiTS>[0])),
  );
  await copyFile(FIXTURE, join(dir, "partner-calls-client.ts"));
  await writeFile(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "ES2022",
        moduleResolution: "Bundler",
        lib: ["ES2022", "DOM"],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
      },
      files: ["partner-api.ts", "partner-calls-client.ts"],
    }),
  );
  try {
    await run(join(BIN, "tsc"), ["-p", dir]);
    return "";
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe("the OpenAPI document, for a partner's tools", () => {
  it("passes Redocly's lint without errors or warnings", async () => {
    const file = join(WORK, "openapi.json");
    await writeFile(file, JSON.stringify(doc));
    const { stdout } = await run(
      join(BIN, "redocly"),
      ["lint", file, "--config", join(ROOT, "redocly.yaml"), "--format", "json"],
      { cwd: ROOT, env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
    ).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: unknown[] };
    expect(report.problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it("gives a generated client that type-checks the README's first partner calls", async () => {
    expect(await typeCheckCalls(doc, join(WORK, "served"))).toBe("");
  });

  it("would not, had it required a field the README leaves out or lost a route it calls", async () => {
    const broken = structuredClone(doc);
    broken.components.requestBodies.CreateOrganization!.content["application/json"].schema.required!.push("metadata");
    delete broken.paths["/partner/organizations/{organizationId}/status"];
    const errors = await typeCheckCalls(broken, join(WORK, "broken"));
    expect(errors).toContain("metadata");
    expect(errors).toContain('"/partner/organizations/{organizationId}/status"');
  });

  it("makes the README's first partner calls against the Worker with that client", async () => {
    const local = worker!;
    const slug = `client-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const { plainKey } = await local.admin<{ plainKey: string }>("POST", "/api/v1/admin/partners", {
      name: "Client test",
      slug,
      creditPoolTotal: 1_000,
    });
    const { firstPartnerCalls } = (await import(FIXTURE)) as PartnerCalls;
    const result = await firstPartnerCalls(local.url, plainKey, `crm-${slug}`);
    expect(result.organization).toMatchObject({ status: "active", tier: "paid", credits: 200, productType: "B2B" });
    expect(result.scriptTag).toMatch(/^<script async src=".*\/s\/[0-9a-f]+\.js"><\/script>$/);
    expect(result.allowedReferrers).toEqual(["contoso-dental.example", "*.contoso-dental.example"]);
    expect(result.creditsAllocated).toBe(300);
    expect(result.visitors).toEqual([]);
    expect(result.foundIds).toEqual([result.organization.id]);
    expect(result.status).toBe("suspended");
  });
});
