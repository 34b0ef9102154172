/**
 * Copies the API reference UI into the Worker's static assets: `node scripts/build-docs.ts`.
 *
 * Writes assets/docs/swagger-ui/ (git-ignored), the Swagger UI script and stylesheet from
 * `swagger-ui-dist`, beside the committed page (assets/docs/index.html) and its init script,
 * so `/docs` never loads anything from a CDN (client networks may block them). Run by
 * `npm test`, `npm start` and `npm run deploy`; the browser test imports `buildDocs`.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "./lib.ts";

export const SWAGGER_UI_ASSETS = join(ROOT, "assets", "docs", "swagger-ui");
const FILES = ["swagger-ui-bundle.js", "swagger-ui.css"];

// The source map comments point at files the Worker does not serve.
const stripSourceMap = (text: string) =>
  text.replace(/\n(\/\/# sourceMappingURL=.*|\/\*# sourceMappingURL=.*\*\/)\s*$/, "\n");

export async function buildDocs(): Promise<{ version: string; bytes: number }> {
  const source = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const { version } = JSON.parse(await readFile(join(source, "package.json"), "utf8")) as { version: string };
  await mkdir(SWAGGER_UI_ASSETS, { recursive: true });
  let bytes = 0;
  for (const file of FILES) {
    const text = stripSourceMap(await readFile(join(source, file), "utf8"));
    bytes += Buffer.byteLength(text);
    // Rename is atomic, so a concurrent reader (tests, wrangler) never sees half a file.
    const tmp = join(SWAGGER_UI_ASSETS, `.${file}.${process.pid}.tmp`);
    await writeFile(tmp, text);
    await rename(tmp, join(SWAGGER_UI_ASSETS, file));
  }
  return { version, bytes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await buildDocs();
  console.log(`docs: swagger-ui ${r.version}, ${r.bytes} B into assets/docs/swagger-ui/`);
}
