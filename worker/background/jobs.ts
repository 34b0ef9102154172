import { fanOutRenewal, renewCounters } from "../credits/renewal";
import type { Env } from "../env";
import { tenantEnv, type TenantEnv } from "../shards";
import { erasePersonPage } from "../erasures/person";
import { sendNotice } from "../email/notice-job";
import { claimDueDigests, sendDigest } from "../digests/job";
import { purgeOrganizationPage } from "../organizations/purge";
import { rescoreIcpPage } from "../icp/rescore";
import { fanOutSync, sweepPixels, syncOrganizations } from "../organizations/sync";
import type { JobMessage } from "../jobs/message";

/** Queue consumer of `sightline-jobs`: each message on its own, retried alone when it fails. */
export async function consumeJobs(batch: MessageBatch<JobMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    try {
      await run(tenantEnv(env, message.body.shard), message.body);
      message.ack();
    } catch (error) {
      console.error("job failed", message.body, error);
      message.retry({ delaySeconds: Math.min(300, 5 * 2 ** message.attempts) });
    }
  }
}

async function run(env: TenantEnv, job: JobMessage): Promise<void> {
  switch (job.type) {
    case "icp.rescore":
      return rescoreIcpPage(env, job);
    case "organizations.sync":
      return fanOutSync(env, job);
    case "organizations.sync-batch":
      return syncOrganizations(env, job.organizationIds);
    case "pixels.sweep":
      return sweepPixels(env);
    case "billing.renew":
      return fanOutRenewal(env, job);
    case "billing.renew-batch":
      return renewCounters(env, job.organizationIds);
    case "people.erase":
      return erasePersonPage(env, job.erasureId);
    case "organizations.purge":
      return purgeOrganizationPage(env, job.organizationId);
    case "email.notice":
      return sendNotice(env, job.noticeId);
    case "digests.due":
      return claimDueDigests(env, job.dueBy);
    case "digests.send":
      return sendDigest(env, job);
  }
}
