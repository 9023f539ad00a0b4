// HOOK: the scripted webhook receiver of the torture runs. Records, per X-Mox-Webhook-ID, the
// Standard Webhooks `webhook-id`s it saw (must be one) and how often; verifies signatures with
// the standardwebhooks package; fails a seeded share of requests with 503 to force retries.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import type { HookSeen } from "./ledger.js";

/** A running receiver. */
export type Hook = {
  port: number;
  url(path: string): string;
  /** `whsec_...` the server must sign with. */
  secret: string;
  seen: HookSeen;
  /** Requests whose signature did not verify (must stay empty). */
  badSignatures: string[];
  requests(): number;
  /** Share of requests answered 503 (0..1). */
  setFailureRate(p: number): void;
  close(): Promise<void>;
};

/** Starts HOOK on 127.0.0.1; `random` decides the 503s (seeded by the caller). */
export async function startHook(random: () => number, failureRate = 0): Promise<Hook> {
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const wh = new Webhook(secret);
  const seen: HookSeen = new Map();
  const badSignatures: string[] = [];
  let requests = 0;
  let rate = failureRate;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests++;
      const body = Buffer.concat(chunks).toString("utf8");
      const h = req.headers;
      const moxId = Number(h["x-mox-webhook-id"]);
      const webhookId = String(h["webhook-id"] ?? "");
      try {
        wh.verify(body, { "webhook-id": webhookId, "webhook-timestamp": String(h["webhook-timestamp"] ?? ""), "webhook-signature": String(h["webhook-signature"] ?? "") });
      } catch (err) {
        badSignatures.push(`${moxId}: ${(err as Error).message}`);
      }
      const e = seen.get(moxId) ?? { webhookIds: new Set<string>(), count: 0, attempts: [] };
      e.webhookIds.add(webhookId);
      e.count++;
      e.attempts.push(Number(h["x-mox-webhook-attempt"]));
      seen.set(moxId, e);
      if (random() < rate) {
        res.writeHead(503, { "Retry-After": "1" }).end("try later");
        return;
      }
      res.writeHead(200).end("ok");
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    secret,
    seen,
    badSignatures,
    requests: () => requests,
    setFailureRate: (p) => void (rate = p),
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
