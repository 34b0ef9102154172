/**
 * The alerts part of the bench (`npm run bench -- --only alerts`): what ten alert rules cost the hits
 * consumer (throughput.ts) and the time from a hit to its Slack request (latency.ts), each on a Worker
 * of its own, with a Slack receiver and an SMTP sink on 127.0.0.1.
 */
import { LogLevel } from "miniflare";
import { ROOT } from "../../scripts/lib.ts";
import { startWorker } from "../../test/browser/support/worker.ts";
import { COMMAND, log, QUICK, STATE_IN } from "../options.ts";
import { freePort, latencyBindings, latencyMailSink, measureAlertLatency, QueueLog } from "./latency.ts";
import { startReceiver } from "./receiver.ts";
import { alertShortfalls, alertsSection } from "./report.ts";
import { alertsDriverWorker, measureAlertThroughput } from "./throughput.ts";

export async function measureAlerts(): Promise<{ section: string[]; short: string[] }> {
  const measuredAt = new Date().toISOString();
  const receiver = await startReceiver();
  const mail = await latencyMailSink();
  try {
    log("alerts: starting workerd with the Worker and the alerts consumer driver");
    const driven = await startWorker({
      extraWorkers: [await alertsDriverWorker(ROOT)],
      logLevel: LogLevel.ERROR,
      stateIn: STATE_IN,
      bindings: { ALLOW_INSECURE_WEBHOOKS: "on" },
    });
    let throughput;
    try {
      throughput = await measureAlertThroughput(driven, {
        visitors: QUICK ? 300 : 2_000,
        repetitions: QUICK ? 1 : 3,
        receiver: receiver.origin,
        log,
      });
    } finally {
      await driven.stop();
    }
    log("alerts: starting workerd with the Worker alone, for the time from a hit to Slack");
    const port = await freePort();
    const queueLog = new QueueLog();
    const alone = await startWorker({
      log: queueLog,
      stateIn: STATE_IN,
      hitsPerMinute: 1_000_000_000,
      port,
      bindings: latencyBindings(mail.port, `http://127.0.0.1:${port}`),
    });
    let latency;
    try {
      latency = await measureAlertLatency(alone, {
        alerts: QUICK ? 20 : 60,
        spacingMs: 1_500,
        receiver,
        mails: mail.mails,
        queueLog,
        log,
      });
    } finally {
      await alone.stop();
    }
    return {
      section: alertsSection(throughput, latency, { command: COMMAND, measuredAt }),
      short: alertShortfalls(throughput, latency),
    };
  } finally {
    await receiver.close();
    await mail.close();
  }
}
