/**
 * The import graph of the Workers as wrangler bundles them: esbuild's metafile of the real entries,
 * with the options that reproduce `wrangler deploy --dry-run`'s output. Every runtime import is in
 * it (type-only imports are erased before bundling), each with its kind: an `import()` is lazy.
 */
import { build, type Metafile } from "esbuild";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { buildPixel } from "../../pixel/build.ts";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

export interface Import {
  from: string;
  to: string;
  lazy: boolean;
}

export interface ImportGraph {
  /** Every input file, as a path from the repository root (packages under `node_modules/`). */
  files: string[];
  imports: Import[];
  /** What loading `entry` evaluates before anything runs: its imports, followed except through `import()`. */
  eager(entry: string): Set<string>;
  /** Bytes `file` contributes to `entry`'s bundle (esbuild's `bytesInOutput`). */
  bytesIn(entry: string, file: string): number;
}

/** Builds the entries (the pixel first: the Worker imports its build) and reads their graph. */
export async function importGraph(entries: string[]): Promise<ImportGraph> {
  await buildPixel({ write: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: entries.map((entry) => `./${entry}`),
    bundle: true,
    write: false,
    metafile: true,
    outdir: join(ROOT, ".wrangler/import-graph"),
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    keepNames: true,
    target: "es2024",
    external: ["cloudflare:*", "node:*"],
    jsx: "automatic",
    jsxImportSource: "hono/jsx",
    logLevel: "silent",
  });
  return graphOf(result.metafile);
}

function graphOf(metafile: Metafile): ImportGraph {
  const files = Object.keys(metafile.inputs);
  const imports = files.flatMap((from) =>
    metafile.inputs[from]!.imports.filter((i) => !i.external && i.path in metafile.inputs).map((i) => ({
      from,
      to: i.path,
      lazy: i.kind === "dynamic-import",
    })),
  );
  const outputOf = (entry: string) => {
    const output = Object.values(metafile.outputs).find((o) => o.entryPoint === entry);
    if (!output) throw new Error(`${entry} is not an entry of this graph`);
    return output;
  };
  return {
    files,
    imports,
    eager(entry) {
      outputOf(entry);
      const seen = new Set<string>();
      const next = [entry];
      for (let file = next.pop(); file !== undefined; file = next.pop()) {
        if (seen.has(file)) continue;
        seen.add(file);
        for (const i of imports) if (i.from === file && !i.lazy) next.push(i.to);
      }
      return seen;
    },
    bytesIn: (entry, file) => outputOf(entry).inputs[file]?.bytesInOutput ?? 0,
  };
}

/**
 * Every import between the TypeScript sources under `folder`, type-only ones included (esbuild
 * erases those), as paths from the repository root. Packages are left out.
 */
export function sourceImports(folder: string): Import[] {
  const files = readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((f) => /\.tsx?$/.test(f) && !f.endsWith(".d.ts"))
    .map((f) => join(folder, f));
  return files.flatMap((from) =>
    ts.preProcessFile(readFileSync(join(ROOT, from), "utf8"), true, true).importedFiles.flatMap(({ fileName }) => {
      if (!fileName.startsWith(".")) return [];
      const to = resolveSource(join(dirname(from), fileName));
      return to === null ? [] : [{ from, to, lazy: false }];
    }),
  );
}

function resolveSource(path: string): string | null {
  for (const candidate of [path, `${path}.ts`, `${path}.tsx`, join(path, "index.ts"), join(path, "index.tsx")]) {
    if (/\.tsx?$/.test(candidate) && existsSync(join(ROOT, candidate))) return relative(ROOT, join(ROOT, candidate));
  }
  return null;
}
