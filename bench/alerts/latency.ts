/**
 * From a hit to Slack: hits from new ICP companies sent to `POST /e` one after another, at random
 * intervals, to an organization with the ten rules of bench/alerts/client.ts, through the real edge,
 * hit queue, consumer, `NOTIFICATIONS` queue and its consumer, with wrangler.toml's queue settings, until
 * the Slack request of the "every new company" rule arrives at the receiver on 127.0.0.1 (and its
 * e-mail at an SMTP sink, for the rule that mails). Miniflare's log says how long each queue batch took
 * its consumer and how many messages it held (`QueueLog`): the rest of the time is the batches' waiting.
 */
import { Log, LogLevel } from "miniflare";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { startMailSink } from "../../scripts/mail-sink.ts";
import { ROOT } from "../../scripts/lib.ts";
import { type LocalWorker, seedOrganization } from "../../test/browser/support/worker.ts";
import { HUMAN_UA } from "../bench-worker.ts";
import { random } from "../random.ts";
import { sleep } from "../options.ts";
import { addAlertRules, addIcp, rulePath } from "./client.ts";
import type { Receiver } from "./receiver.ts";

/** Gives up on an alert this long after its hit (the product's promise is 60 s). */
const GIVE_UP_MS = 120_000;

export interface QueueSettings {
  queue: string;
  maxBatchSize: number;
  maxBatchTimeout: number;
}

/** A batch a queue handed its consumer: how many messages, and how long the consumer took (ms). */
export interface QueueBatch {
  queue: string;
  messages: number;
  ms: number;
}

/**
 * Miniflare's log, keeping the line it writes after each queue batch (`QUEUE <name> <acked>/<total> (<ms>ms)`)
 * and showing only warnings and errors.
 */
export class QueueLog extends Log {
  readonly batches: QueueBatch[] = [];
  constructor() {
    super(LogLevel.INFO);
  }
  override logWithLevel(level: LogLevel, message: string): void {
    // Without the colours: "QUEUE sightline-hits 2/2 (44ms)".
    const line = /QUEUE (\S+) \d+\/(\d+) \((\d+)ms\)/.exec(message.replace(/\x1b\[[0-9;]*m/g, ""));
    if (line) this.batches.push({ queue: line[1]!, messages: Number(line[2]), ms: Number(line[3]) });
    else if (level <= LogLevel.WARN) super.logWithLevel(level, message);
  }
}

export interface LatencyFigures {
  alerts: number;
  /** Milliseconds from the hit's 204 to the Slack request, in the order the hits were sent. */
  toSlack: number[];
  /** … to the e-mail at the SMTP sink (the rule that mails, for the same hits). */
  toMail: number[];
  /** Mean milliseconds between two hits. */
  spacingMs: number;
  queues: (QueueSettings & { batches: QueueBatch[] })[];
}

/** The hit queues (`sightline-hits`, `sightline-hits-2`, …; one organization's hits all go to one) and the notification queue. */
const QUEUES = [
  { queue: "sightline-hits", of: /^sightline-hits(-\d+)?$/ },
  { queue: "sightline-notifications", of: /^sightline-notifications$/ },
];

/** wrangler.toml's settings of those queues, and the batches each handed its consumer (named by the queue that had them). */
function queuesOf(batches: QueueBatch[]): LatencyFigures["queues"] {
  const consumers = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml")).workerOptions.queueConsumers as
    Record<string, { maxBatchSize?: number; maxBatchTimeout?: number }> | undefined;
  return QUEUES.map(({ queue, of }) => {
    const own = batches.filter((b) => of.test(b.queue));
    return {
      queue: [...new Set(own.map((b) => b.queue))].join(", ") || queue,
      maxBatchSize: consumers?.[queue]?.maxBatchSize ?? 10,
      maxBatchTimeout: consumers?.[queue]?.maxBatchTimeout ?? 5,
      batches: own,
    };
  });
}

/**
 * The Worker's settings for this run: webhooks and SMTP on loopback (as `npm start` has them), and the
 * platform's origin, which links in background mail need (the Worker's own, so its APIs answer there).
 */
export const latencyBindings = (smtpPort: number, origin: string) => ({
  ALLOW_INSECURE_WEBHOOKS: "on",
  ALLOW_LOCAL_SMTP: "on",
  MAIL_FROM: "alerts@bench.example",
  MAIL_SMTP_URL: `smtp://127.0.0.1:${smtpPort}?security=none`,
  DASHBOARD_BASE_URL: origin,
});

/** A port on 127.0.0.1 free a moment ago, for a Worker whose origin must be known before it starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A mail sink on loopback recording when each message arrived (performance.now()) and what it said. */
export async function latencyMailSink() {
  const mails: { at: number; to: string[]; raw: string }[] = [];
  const sink = await startMailSink({
    host: "127.0.0.1",
    onMessage: (mail) => mails.push({ at: performance.now(), to: mail.envelope.to, raw: mail.raw }),
  });
  return { port: sink.port, mails, close: () => sink.close() };
}

export async function measureAlertLatency(
  worker: LocalWorker,
  o: {
    alerts: number;
    spacingMs: number;
    receiver: Receiver;
    mails: { at: number; to: string[]; raw: string }[];
    queueLog: QueueLog;
    log: (s: string) => void;
  },
): Promise<LatencyFigures> {
  const org = await seedOrganization(worker, { credits: 100_000, poolTotal: 1_000_000, importLocal: false });
  await addIcp(org);
  const [everyCompany] = await addAlertRules(org, o.receiver.origin);
  const companies = Array.from({ length: o.alerts }, (_, k) => ({
    name: `Latency Bench ${String(k).padStart(3, "0")} Software`,
    domain: `latency-${k}.example`,
    industry: "Software",
    employeeRange: "201-500",
    country: "US",
    ipRanges: [`10.250.${k >> 8}.${k & 255}/32`],
  }));
  await worker.admin("POST", "/api/v1/admin/companies", companies);

  const accepted: number[] = [];
  o.queueLog.batches.length = 0;
  o.log(`alerts: ${o.alerts} hits from new ICP companies to POST /e, ${o.spacingMs} ms apart on average`);
  const rand = random(18);
  for (const [k, company] of companies.entries()) {
    const res = await fetch(`${worker.url}/e`, {
      method: "POST",
      headers: {
        "content-type": "text/plain",
        "cf-connecting-ip": company.ipRanges[0]!.split("/")[0]!,
        "user-agent": HUMAN_UA,
      },
      body: JSON.stringify({
        k: org.pixelKey,
        t: "v",
        i: crypto.randomUUID(),
        u: "https://www.client.example/pricing",
        w: 1280,
      }),
    });
    await res.arrayBuffer();
    if (res.status !== 204) throw new Error(`POST /e answered ${res.status} for hit ${k}`);
    accepted.push(performance.now());
    await sleep(rand() * 2 * o.spacingMs);
  }

  const slackOf = (name: string) =>
    o.receiver.received.find((r) => r.path === rulePath(0) && JSON.parse(r.body).blocks?.[0]?.text?.text === name);
  // Headers unfolded and quoted-printable soft breaks undone, so a name split over lines is found.
  const text = (raw: string) => raw.replace(/=\r?\n/g, "").replace(/\r?\n[ \t]+/g, " ");
  const mailOf = (name: string) =>
    o.mails.find((m) => m.to.includes("sales@client.example") && text(m.raw).includes(name));
  const until = performance.now() + GIVE_UP_MS;
  while (performance.now() < until && !companies.every((c) => slackOf(c.name) && mailOf(c.name))) await sleep(100);

  const missing = companies.filter((c) => !slackOf(c.name)).length;
  if (missing > 0)
    throw new Error(`${missing} of ${o.alerts} Slack alerts did not arrive within ${GIVE_UP_MS / 1000} s`);
  return {
    alerts: o.alerts,
    toSlack: companies.map((c, k) => slackOf(c.name)!.at - accepted[k]!),
    toMail: companies.flatMap((c, k) => {
      const mail = mailOf(c.name);
      return mail ? [mail.at - accepted[k]!] : [];
    }),
    spacingMs: o.spacingMs,
    queues: queuesOf(o.queueLog.batches),
  };
}
