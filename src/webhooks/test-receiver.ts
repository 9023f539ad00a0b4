/**
 * Test support only (imported by *.test.ts, never by module code): a scriptable HTTP receiver on
 * loopback that records every request it gets. Real sockets, port 0.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A request as the receiver saw it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Decides the answer; it gets the fully read request body. */
export type ReceiverHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

/** A running receiver. */
export interface Receiver {
  readonly port: number;
  /** `http://127.0.0.1:<port><path>`. */
  url(path?: string): string;
  /** Requests whose body was read completely, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  /** Replaces the handler. */
  handle(handler: ReceiverHandler): void;
  /** Closes the server and every connection still open. */
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 with the given handler (default: 200 "ok"), on `port` or a free one. */
export async function startReceiver(handler?: ReceiverHandler, o: { port?: number } = {}): Promise<Receiver> {
  let current: ReceiverHandler =
    handler ??
    ((_req, res) => {
      res.end("ok");
    });
  const requests: ReceivedRequest[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
      current(req, res, body);
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path = "/") => `http://127.0.0.1:${port}${path}`,
    requests,
    connections: () => connections,
    handle(h) {
      current = h;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
