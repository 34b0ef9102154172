/**
 * `npm run test:soak`: the money property test (test/worker/money.property.test.ts) for longer, from
 * a random seed. PROPERTY_SEED repeats a seed, PROPERTY_RUNS sets the number of sequences (200).
 * The seed is printed first, and again with the failing sequence when a property fails.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ROOT, run } from "./lib.ts";

const seed = process.env.PROPERTY_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
const runs = process.env.PROPERTY_RUNS ?? "200";
const require = createRequire(join(ROOT, "package.json"));
const vitest = join(dirname(require.resolve("vitest/package.json")), "vitest.mjs");

console.log(`money property test: seed ${seed}, ${runs} runs`);
try {
  await run(process.execPath, [vitest, "run", "--project", "worker", "test/worker/money.property.test.ts"], {
    env: { ...process.env, PROPERTY_SEED: seed, PROPERTY_RUNS: runs },
  });
} catch {
  console.error(`\nmoney property test failed with seed ${seed}: PROPERTY_SEED=${seed} npm run test:soak repeats it`);
  process.exit(1);
}
