/**
 * A local HTTP receiver standing in for Slack's incoming webhooks (and any webhook target) on
 * 127.0.0.1: it records every POST with its path and JSON body and answers as Slack does, 200 `ok`.
 * An alert's channel URL points at it: `${receiver.origin}/services/T…/B…/…`.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedPost {
  path: string;
  body: unknown;
  receivedAt: number;
}

export interface WebhookReceiver {
  origin: string;
  /** The posts received so far on this path, oldest first. */
  posts(path: string): ReceivedPost[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedPost[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST") return void res.writeHead(405).end();
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // recorded as text
    }
    received.push({ path: new URL(req.url ?? "/", "http://receiver").pathname, body, receivedAt: Date.now() });
    res.writeHead(200, { "content-type": "text/html" }).end("ok");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts: (path) => received.filter((post) => post.path === path),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
