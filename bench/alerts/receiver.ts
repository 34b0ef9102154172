/**
 * Slack's and Teams' side of the bench: an HTTP server on 127.0.0.1 that answers every POST `200 ok`
 * (as a Slack incoming webhook does) and records when it arrived, on which path and with what body.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  /** `performance.now()` when the request's body had arrived. */
  at: number;
  path: string;
  body: string;
}

export interface Receiver {
  origin: string;
  received: Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ at: performance.now(), path: req.url ?? "", body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
