import type { Env } from "../env";
import { rescoreIcpPage } from "../icp/rescore";
import type { JobMessage } from "./message";

/** Queue consumer of `sightline-jobs`: each message on its own, retried alone when it fails. */
export async function consumeJobs(batch: MessageBatch<JobMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    try {
      await run(env, message.body);
      message.ack();
    } catch (error) {
      console.error("job failed", message.body, error);
      message.retry({ delaySeconds: Math.min(300, 5 * 2 ** message.attempts) });
    }
  }
}

async function run(env: Env, job: JobMessage): Promise<void> {
  switch (job.type) {
    case "icp.rescore":
      return rescoreIcpPage(env, job);
  }
}
