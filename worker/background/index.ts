/**
 * The background room: the queue consumers and the cron. Loaded on the first batch or cron event of
 * an isolate (worker/index.ts), never by a request.
 */
export { consumeBatch } from "./queues";
export { runCron } from "./cron";
