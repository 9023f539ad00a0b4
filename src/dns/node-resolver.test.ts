import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { createNodeResolver, DnsError, lookupMx } from "./index.js";

// A real UDP DNS responder on loopback with scripted answers (TTL 0), so the node:dns
// implementation is exercised end to end without internet access.
type Script = { rcode?: number; drop?: boolean; TXT?: string[]; A?: string[]; MX?: Array<[number, string]> };
const zone: Record<string, Script> = {
  "example.test": { TXT: ["v=spf1 -all"], A: ["192.0.2.7"], MX: [[20, "b.example.test"], [10, "a.example.test"]] },
  "noaddr.test": { TXT: ["x"] },
  "broken.test": { rcode: 2 },
  "silent.test": { drop: true },
};
const TYPES: Record<number, keyof Script> = { 1: "A", 15: "MX", 16: "TXT" };

const encodeName = (name: string): Buffer =>
  Buffer.concat([...name.split(".").filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);

function rdata(type: keyof Script, value: string | [number, string]): Buffer {
  if (type === "A") return Buffer.from((value as string).split(".").map(Number));
  if (type === "TXT") return Buffer.concat([Buffer.from([(value as string).length]), Buffer.from(value as string)]);
  const [pref, host] = value as [number, string];
  return Buffer.concat([Buffer.from([pref >> 8, pref & 255]), encodeName(host)]);
}

function answer(query: Buffer): Buffer | undefined {
  let off = 12;
  const labels: string[] = [];
  while (query[off]) {
    labels.push(query.subarray(off + 1, off + 1 + query[off]!).toString());
    off += query[off]! + 1;
  }
  const qtype = query.readUInt16BE(off + 1);
  const question = query.subarray(12, off + 5);
  const script = zone[labels.join(".").toLowerCase()];
  if (script?.drop) return undefined;
  const rcode = script ? (script.rcode ?? 0) : 3;
  const kind = TYPES[qtype];
  const values = (kind && script?.[kind]) as Array<string | [number, string]> | undefined;
  const rrs = (rcode === 0 && kind && values ? values : []).map((v) => {
    const data = rdata(kind!, v);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4); // class IN; TTL 0 at 6..9
    rr.writeUInt16BE(data.length, 10);
    return Buffer.concat([rr, data]);
  });
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8180 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rrs.length, 6);
  return Buffer.concat([header, question, ...rrs]);
}

let server: Socket;
let servers: string[];
before(async () => {
  server = createSocket("udp4");
  server.on("message", (msg, rinfo) => {
    const reply = answer(msg);
    if (reply) server.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((ok) => server.bind(0, "127.0.0.1", ok));
  servers = [`127.0.0.1:${(server.address() as AddressInfo).port}`];
});
after(() => server.close());

describe("createNodeResolver", () => {
  test("resolves TXT, A and MX from a real DNS server", async () => {
    const r = createNodeResolver({ servers });
    assert.deepEqual(await r.resolveTxt("example.test"), [["v=spf1 -all"]]);
    assert.deepEqual(await r.resolve("example.test", "A"), ["192.0.2.7"]);
    const mx = await lookupMx(r, "example.test", { random: () => 0 });
    assert.deepEqual(mx.hosts.map((h) => h.host), ["a.example.test", "b.example.test"]);
  });

  test("maps NXDOMAIN, no data and SERVFAIL to stable codes", async () => {
    const r = createNodeResolver({ servers });
    const code = (p: Promise<unknown>) => p.then(() => "resolved", (e: unknown) => (e instanceof DnsError ? e.code : String(e)));
    assert.equal(await code(r.resolveTxt("missing.test")), "ENOTFOUND");
    assert.equal(await code(r.resolve4("noaddr.test")), "ENODATA");
    assert.equal(await code(r.resolveTxt("broken.test")), "ESERVFAIL");
    assert.deepEqual(await lookupMx(r, "noaddr.test"), { kind: "implicit", hosts: [{ host: "noaddr.test", priority: 0 }] });
  });

  test("a server that never answers gives ETIMEOUT within timeoutMs", async () => {
    const r = createNodeResolver({ servers, timeoutMs: 300 });
    const t0 = Date.now();
    await assert.rejects(r.resolveTxt("silent.test"), (e) => e instanceof DnsError && e.code === "ETIMEOUT" && e.temporary);
    const took = Date.now() - t0;
    assert.ok(took < 1000, `took ${took} ms`);
  });
});
