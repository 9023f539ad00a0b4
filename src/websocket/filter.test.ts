import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { outgoingEventKinds } from "../events/index.js";
import { addressRule, matchesFilter, parseKinds, splitList } from "./filter.js";
import { eventJson } from "./frame.js";
import { parseBasic } from "../auth/index.js";
import { originAllowed } from "./handshake.js";
import { compareCursor, snapshotTail } from "./position.js";
import { normalizeOrigin } from "./tokens.js";

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe("websocket filters and handshake rules", () => {
  it("matches an address, its catchall variants on the same domain, and nothing else", () => {
    const f = { kinds: null, addresses: [addressRule("sales@a.test", "+")] };
    for (const a of ["sales@a.test", "sales+x@a.test", "sales+x+y@a.test"]) assert.ok(matchesFilter(f, { kind: "incoming", address: a }), a);
    for (const a of ["sales@b.test", "salesx@a.test", "sales-x@a.test", "xsales@a.test", "sales+x@a.test.evil"]) {
      assert.ok(!matchesFilter(f, { kind: "incoming", address: a }), a);
    }
    const noSep = { kinds: null, addresses: [addressRule("x@y.test", "")] };
    assert.ok(!matchesFilter(noSep, { kind: "incoming", address: "x+1@y.test" }));
  });

  it("parses kinds, expanding outgoing, refusing unknown names", () => {
    assert.deepEqual(parseKinds(["outgoing"]).sort(), [...outgoingEventKinds].sort());
    assert.deepEqual(parseKinds(["Incoming", "incoming"]), ["incoming"]);
    assert.throws(() => parseKinds(["incoming", "__proto__"]), { code: "badRequest" });
    assert.deepEqual(splitList(" a, ,b ,"), ["a", "b"]);
    assert.ok(!matchesFilter({ kinds: new Set(["delivered"] as const), addresses: null }, { kind: "incoming", address: "a@b" }));
  });

  it("treats an Origin as same-site only when it names the Host, default ports included", () => {
    assert.ok(originAllowed(req({ host: "mail.example" }), "", "https"));
    assert.ok(originAllowed(req({ host: "mail.example", origin: "https://mail.example" }), "", "https"));
    assert.ok(originAllowed(req({ host: "mail.example:443", origin: "https://MAIL.example" }), "", "https"));
    assert.ok(originAllowed(req({ host: "127.0.0.1:8080", origin: "http://127.0.0.1:8080" }), "", "http"));
    assert.ok(!originAllowed(req({ host: "127.0.0.1:8080", origin: "http://127.0.0.1:8081" }), "", "http"));
    assert.ok(!originAllowed(req({ host: "mail.example", origin: "null" }), "", "https"));
    assert.ok(!originAllowed(req({ host: "mail.example", origin: "https://mail.example.evil" }), "", "https"));
    assert.ok(!originAllowed(req({ host: "mail.example", "sec-fetch-site": "cross-site" }), "", "https"));
    // The scheme is part of the origin: a plain-HTTP page is not the TLS site, nor the reverse.
    assert.ok(!originAllowed(req({ host: "mail.example", origin: "http://mail.example" }), "", "https"));
    assert.ok(!originAllowed(req({ host: "127.0.0.1:8080", origin: "https://127.0.0.1:8080" }), "", "http"));
    assert.ok(!originAllowed(req({ host: "mail.example:443", origin: "http://mail.example:443" }), "", "https"));
    assert.ok(originAllowed(req({ host: "x", origin: "https://app.example" }), "https://app.example", "http"));
    assert.ok(!originAllowed(req({ host: "x" }), "https://app.example", "http"));
    assert.equal(normalizeOrigin("HTTPS://App.Example:443/"), "https://app.example");
    assert.throws(() => normalizeOrigin("https://app.example/x"), { code: "badRequest" });
  });

  it("parses basic credentials like the webapi", () => {
    assert.deepEqual(parseBasic(`Basic ${Buffer.from("a@b:p:q").toString("base64")}`), { user: "a@b", password: "p:q" });
    for (const h of [undefined, "Basic", "Basic !!", "Bearer x", `Basic ${Buffer.from("nocolon").toString("base64")}`]) assert.equal(parseBasic(h), null);
  });

  it("embeds the payload verbatim and orders positions by transaction then id", () => {
    const payload = `{"Z":1,"A":"\\u2028é"}`;
    assert.equal(eventJson({ cursor: "c", kind: "failed", payload }), `{"Cursor":"c","Kind":"outgoing","Event":"failed","Payload":${payload}}`);
    assert.ok(compareCursor({ txId: 5n, id: 100 }, { txId: 6n, id: 1 }) < 0);
    const tail = snapshotTail({ xmin: 10n, xmax: 12n });
    assert.ok(compareCursor({ txId: 9n, id: 1e12 }, tail) < 0);
    assert.ok(compareCursor({ txId: 10n, id: 1 }, tail) > 0);
  });
});
