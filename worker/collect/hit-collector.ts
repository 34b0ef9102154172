import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { hitQueueOfNumber } from "./hit-queues";
import type { HitMessage } from "./message";

/** How long a bundle waits for more hits after its first. */
const WINDOW_MS = 250;
/** A bundle's limits: a queue message is billed per 64 KB (and may hold 128 KB). */
const MAX_HITS = 100;
const MAX_BYTES = 60_000;

interface OpenBundle {
  hits: HitMessage[];
  bytes: number;
  sending: boolean;
  sent: PromiseWithResolvers<void>;
}

const encoder = new TextEncoder();

/**
 * One of the edge's hit collectors (worker/collect/collectors.ts picks one by pixel key): it gathers the
 * hits the edge sends it for up to WINDOW_MS into one message of their hit queue, and answers each hit
 * once that message is in the queue, so a hit the edge answered 204 survives as before. A queue bills
 * each message three operations; a collector's call is one Durable Object request, and a busy collector
 * puts dozens of hits in a message (docs/scale.md). It keeps nothing in storage: a hit it holds is in
 * flight, and an error reaches the edge like a failed queue send.
 */
export class HitCollector extends DurableObject<Env> {
  private readonly open = new Map<number, OpenBundle>();

  /** Puts `message` in the open bundle of hit queue `queue`; resolves once that bundle is in the queue. */
  collect(queue: number, message: HitMessage): Promise<void> {
    const bytes = encoder.encode(JSON.stringify(message)).length;
    let bundle = this.open.get(queue);
    if (bundle && (bundle.hits.length >= MAX_HITS || bundle.bytes + bytes > MAX_BYTES)) {
      this.send(queue, bundle);
      bundle = undefined;
    }
    if (!bundle) {
      const opened: OpenBundle = { hits: [], bytes: 0, sending: false, sent: Promise.withResolvers<void>() };
      this.open.set(queue, opened);
      setTimeout(() => this.send(queue, opened), WINDOW_MS);
      bundle = opened;
    }
    bundle.hits.push(message);
    bundle.bytes += bytes;
    return bundle.sent.promise;
  }

  private send(queue: number, bundle: OpenBundle): void {
    if (this.open.get(queue) === bundle) this.open.delete(queue);
    if (bundle.sending) return;
    bundle.sending = true;
    hitQueueOfNumber(this.env, queue)
      .send({ kind: "bundle", hits: bundle.hits })
      .then(() => bundle.sent.resolve(), bundle.sent.reject);
  }
}
