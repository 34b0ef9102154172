/**
 * The bench's command line and run sizes (bench/run.ts): `--quick` (short runs, small data; to check the
 * scripts themselves) and `--only <part>` (one part alone, rewriting only its section of BENCHMARKS.md).
 */
import { existsSync } from "node:fs";

export const QUICK = process.argv.includes("--quick");
export const ONLY = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
/** The command a report names as its source. */
export const COMMAND = ONLY ? `npm run bench -- --only ${ONLY}` : "npm run bench";

/** wrk: seconds per load and connections in flight. */
export const SECONDS = QUICK ? 3 : 10;
export const CONNECTIONS = 16;
/**
 * Connections for allowed hits: the edge answers one once its collector has queued it, up to a quarter of a
 * second later (worker/collect/hit-collector.ts), so 16 connections would measure that wait, not the work.
 */
export const HIT_CONNECTIONS = 256;

/**
 * Where the Workers' local state lives: memory (tmpfs) when the machine has one. Miniflare's rate limiter is a
 * Durable Object that writes every count to SQLite and answers once the write is durable; on a disk that is
 * a flush per hit, which production's rate limiter (a counter kept in memory where the request arrives) never
 * pays, and which would make the hot path's figures measure the disk instead of the code.
 */
export const STATE_IN = existsSync("/dev/shm") ? "/dev/shm" : undefined;

export const log = (s: string) => console.log(`[bench] ${s}`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
