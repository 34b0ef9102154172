import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { experimental_readRawConfig } from "wrangler";
import {
  deployedNamespaceIds,
  EDGE_CONFIG,
  EDGE_DEPLOY_CONFIG,
  edgeMismatches,
  missingSecrets,
  readPlan,
  writeEdgeDeployConfig,
} from "../../scripts/deploy-plan.ts";
import { captureWrangler, ROOT } from "../../scripts/lib.ts";
import { type CloudflareWorkersApi, startCloudflareWorkersApi } from "../fixtures/cloudflare-workers-api.ts";

/**
 * `npm run deploy` (scripts/deploy.ts) with no Cloudflare account: the dry run builds both Workers
 * and lists what a deploy creates, and the questions the deploy asks Cloudflare before it changes
 * anything go through wrangler's real CLI to a loopback stand-in of Cloudflare's API
 * (test/fixtures/cloudflare-workers-api.ts, which cites the API reference it follows).
 */

let cloudflare: CloudflareWorkersApi;
const saved = { ...process.env };

beforeAll(async () => {
  cloudflare = await startCloudflareWorkersApi();
  // What the deploy script's wrangler calls use (scripts/lib.ts passes process.env on).
  Object.assign(process.env, cloudflare.env, { WRANGLER_SEND_METRICS: "false" });
});

afterAll(async () => {
  process.env = saved;
  await cloudflare.close();
  rmSync(join(ROOT, EDGE_DEPLOY_CONFIG), { force: true });
});

function deploy(...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["scripts/deploy.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

describe("npm run deploy", () => {
  it("--dry-run builds both Workers and lists what a deploy creates, migrates and requires, without contacting Cloudflare", async () => {
    rmSync(join(ROOT, ".wrangler/dry-run"), { recursive: true, force: true });
    rmSync(join(ROOT, ".wrangler/dry-run-edge"), { recursive: true, force: true });
    const { code, output } = await deploy("--dry-run");
    expect(code, output).toBe(0);
    expect(cloudflare.calls).toEqual([]);
    expect(existsSync(join(ROOT, ".wrangler/dry-run/index.js"))).toBe(true);
    expect(existsSync(join(ROOT, ".wrangler/dry-run-edge/worker.js"))).toBe(true);

    const plan = readPlan();
    for (const db of plan.main.databases) expect(output).toContain(`D1 database  ${db.name}  (binding ${db.binding})`);
    for (const queue of plan.main.queues) expect(output).toContain(`queue        ${queue}\n`);
    expect(output).toContain("KV namespace sightline-pixels  (binding PIXELS;");
    expect(output).toMatch(/CATALOG: 0001_partners\.sql, /);
    expect(output).toMatch(/TENANT_1: 0001_organizations\.sql, /);
    expect(output).toContain('upload the Worker "sightline" (wrangler.toml');
    expect(output).toContain('the edge Worker "sightline-edge" (wrangler.edge.toml');
    // The edge: the main Worker's databases and namespace, and a secret of its own.
    for (const db of plan.edge.databases)
      expect(output).toContain(`D1 database  ${db.name}  (binding ${db.binding}, by name)`);
    expect(output).toContain("KV namespace of sightline's PIXELS binding (sightline-pixels;");
    expect(output).toContain("WEBHOOK_SECRET_KEY  (sightline-edge, -c wrangler.edge.toml: the same value)");
    // The repository's configuration has no production hosts: the deploy would stop there.
    expect(output).toContain("MISSING SCRIPT_BASE_URL");
    expect(output).not.toContain("MISMATCH");
  });

  it("stops before contacting Cloudflare, with what to set, while the platform's hosts are not configured", async () => {
    const { code, output } = await deploy();
    expect(code).toBe(1);
    expect(output).toContain("[deploy] Settings missing:");
    expect(output).toContain("SCRIPT_BASE_URL in [vars] of wrangler.toml");
    expect(output).toContain("DASHBOARD_BASE_URL in [vars] of wrangler.toml");
    expect(cloudflare.calls).toEqual([]);
  });

  it("binds the edge Worker to the main Worker's databases, queues and KV namespace, by the names wrangler.toml gives them", () => {
    const plan = readPlan();
    expect(edgeMismatches(plan)).toEqual([]);
    expect(plan.edge.databases.map((d) => d.name)).toEqual(plan.main.databases.map((d) => d.name));
    expect(plan.edge.kv.map((k) => k.binding)).toEqual(["PIXELS"]);
    expect(plan.edge.queues.every((q) => plan.main.queues.includes(q))).toBe(true);
  });

  it("lists the secrets missing on either Worker, with the command that sets each, before anything is created", async () => {
    const plan = readPlan();
    // A fresh account: neither Worker exists yet.
    cloudflare.scripts.clear();
    expect((await missingSecrets(plan)).map((s) => `${s.worker} ${s.name}`)).toEqual([
      "sightline ADMIN_API_KEY",
      "sightline WEBHOOK_SECRET_KEY",
      "sightline-edge WEBHOOK_SECRET_KEY",
    ]);

    // The main Worker has its secrets; the edge Worker does not exist yet.
    cloudflare.scripts.set("sightline", { secrets: ["ADMIN_API_KEY", "WEBHOOK_SECRET_KEY"] });
    const missing = await missingSecrets(plan);
    expect(missing).toEqual([
      { name: "WEBHOOK_SECRET_KEY", worker: "sightline-edge", how: expect.stringContaining(`-c ${EDGE_CONFIG}`) },
    ]);
    expect(missing[0]!.how).toMatch(
      /^echo "\$key" \| npx wrangler secret put WEBHOOK_SECRET_KEY -c wrangler\.edge\.toml/,
    );

    cloudflare.scripts.set("sightline-edge", { secrets: ["WEBHOOK_SECRET_KEY"] });
    expect(await missingSecrets(plan)).toEqual([]);
  });

  it("deploys the edge Worker with the id of the KV namespace the main Worker is bound to, not a namespace of its own", async () => {
    const plan = readPlan();
    // The main Worker in a gradual deployment: the version with most of the traffic decides.
    cloudflare.scripts.set("sightline", {
      secrets: [],
      deployment: [
        { version_id: "00000000-0000-4000-8000-00000000000b", percentage: 10 },
        { version_id: "00000000-0000-4000-8000-00000000000a", percentage: 90 },
      ],
      versions: {
        "00000000-0000-4000-8000-00000000000a": { kv: { PIXELS: "5f1a0c9e3b2d4e6f8a7b9c0d1e2f3a4b" } },
        "00000000-0000-4000-8000-00000000000b": { kv: { PIXELS: "ffffffffffffffffffffffffffffffff" } },
      },
    });
    const ids = await deployedNamespaceIds(plan);
    expect(ids).toEqual({ PIXELS: "5f1a0c9e3b2d4e6f8a7b9c0d1e2f3a4b" });

    const file = writeEdgeDeployConfig(ids);
    expect(file).toBe(EDGE_DEPLOY_CONFIG);
    // Everything as in wrangler.edge.toml, the namespace id added.
    const written = experimental_readRawConfig({ config: join(ROOT, file) }).rawConfig;
    const source = experimental_readRawConfig({ config: join(ROOT, EDGE_CONFIG) }).rawConfig;
    expect(written).toEqual({
      ...source,
      kv_namespaces: [{ binding: "PIXELS", id: "5f1a0c9e3b2d4e6f8a7b9c0d1e2f3a4b" }],
    });
    // Wrangler builds the edge from it, bound to that namespace.
    const built = await captureWrangler([
      "deploy",
      "--dry-run",
      "-c",
      file,
      "--outdir",
      ".wrangler/dry-run-edge-generated",
    ]);
    expect(built).toMatch(/env\.PIXELS \(5f1a0c9e3b2d4e6f8a7b9c0d1e2f3a4b\)\s+KV Namespace/);
  });

  it("stops with the reason when the main Worker's deployment has no such namespace", async () => {
    cloudflare.scripts.set("sightline", {
      secrets: [],
      deployment: [{ version_id: "00000000-0000-4000-8000-00000000000c", percentage: 100 }],
      versions: { "00000000-0000-4000-8000-00000000000c": { kv: {} } },
    });
    await expect(deployedNamespaceIds(readPlan())).rejects.toThrow(/has no KV binding PIXELS/);
  });
});
