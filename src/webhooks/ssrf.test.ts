import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DestinationRefusedError, InvalidWebhookUrlError } from "./errors.js";
import { classifyAddress, parseIPv4Loose } from "./ip-address.js";
import { createDestinationGuard, parseAllowEntry, type ResolveHost } from "./ssrf.js";

/** A scripted resolver: a fixed answer per name; unknown names fail like NXDOMAIN. */
function fakeResolve(answers: Record<string, string[]>): ResolveHost {
  return async (host) => {
    const a = answers[host];
    if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return a.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }) as const);
  };
}

const resolve = fakeResolve({
  localhost: ["127.0.0.1", "::1"],
  "hooks.example.com": ["93.184.216.34"],
  "mixed.example.com": ["93.184.216.34", "10.0.0.5"],
  "metadata.example.com": ["169.254.169.254"],
  "v6.example.com": ["2606:2800:220:1:248:1893:25c8:1946"],
});

describe("address classification", () => {
  const cases: Array<[string, string]> = [
    ["127.0.0.1", "loopback"], ["127.255.0.9", "loopback"], ["::1", "loopback"],
    ["0.0.0.0", "unspecified"], ["::", "unspecified"], ["10.1.2.3", "private"], ["172.16.0.1", "private"],
    ["172.31.255.255", "private"], ["192.168.1.1", "private"], ["100.64.0.1", "shared"],
    ["169.254.169.254", "link-local"], ["fe80::1", "link-local"], ["fe80::1%eth0", "link-local"],
    ["fc00::1", "unique-local"], ["fd12:3456::1", "unique-local"], ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"], ["255.255.255.255", "reserved"], ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"], ["[::ffff:127.0.0.1]", "loopback"], ["::ffff:169.254.169.254", "link-local"],
    ["::127.0.0.1", "loopback"], ["::ffff:0:10.0.0.1", "private"], ["64:ff9b::7f00:1", "loopback"],
    ["2002:7f00:1::", "loopback"], ["2002:5db8:d822::1", "public"], ["::ffff:8.8.8.8", "public"],
    ["8.8.8.8", "public"], ["172.32.0.1", "public"], ["2606:4700::1111", "public"], ["2001:db8::1", "documentation"],
    ["2130706433", "loopback"], ["0177.0.0.1", "loopback"], ["0x7f.1", "loopback"], ["127.1", "loopback"],
  ];
  for (const [ip, cls] of cases) {
    test(`${ip} is ${cls}`, () => assert.equal(classifyAddress(ip), cls));
  }

  test("parseIPv4Loose reads inet_aton forms and rejects non-numbers and overflow", () => {
    assert.deepEqual([...parseIPv4Loose("0x7f.0.0.0x1")!], [127, 0, 0, 1]);
    assert.deepEqual([...parseIPv4Loose("10.0x10203")!], [10, 1, 2, 3]);
    assert.deepEqual([...parseIPv4Loose("127.0.0.1.")!], [127, 0, 0, 1]);
    assert.deepEqual([...parseIPv4Loose("1.2.3.0x")!], [1, 2, 3, 0]); // WHATWG reads a bare "0x" as 0
    for (const s of ["example.com", "1.2.3.4.5", "256.0.0.1", "4294967296", "08.0.0.1", "1.2.3.4x"]) {
      assert.equal(parseIPv4Loose(s), null, s);
    }
  });
});

describe("destination guard: static URL checks", () => {
  const guard = createDestinationGuard({ resolve });

  // docs/guarantees.md D6: refused when not allow-listed (serve mode, closed by default).
  const refused = [
    "http://127.0.0.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://2130706433/",
    "http://0177.0.0.1/", "http://0x7f.1/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/",
    "http://10.255.255.255:8080/", "http://[fc00::1]/", "http://[fd00::5]/", "http://localhost./",
    "http://localhost/", "http://api.localhost/", "https://192.168.0.10/", "http://100.64.1.1/", "http://[fe80::1]/",
    "http://[::]/", "http://224.0.0.1/",
  ];
  for (const url of refused) {
    test(`refuses ${url}`, () => assert.throws(() => guard.checkUrl(url), DestinationRefusedError));
  }

  test("refuses URL credentials, other schemes and garbage as invalid URLs", () => {
    for (const url of ["http://a@127.0.0.1/", "http://a@hooks.example.com/", "http://:p@hooks.example.com/", "ftp://hooks.example.com/", "file:///etc/passwd", "not a url", "http://[fe80::1%25eth0]/"]) {
      assert.throws(() => guard.checkUrl(url), InvalidWebhookUrlError, url);
    }
  });

  test("accepts public literals and names, with default ports", () => {
    assert.equal(guard.checkUrl("https://hooks.example.com/x?y=1").port, 443);
    assert.equal(guard.checkUrl("http://HOOKS.example.com./").hostname, "hooks.example.com");
    assert.equal(guard.checkUrl("http://93.184.216.34:8080/").port, 8080);
    assert.equal(guard.checkUrl("http://[2606:4700::1111]/").hostname, "2606:4700::1111");
  });
});

describe("destination guard: resolution and allow-list", () => {
  test("checkDestination refuses names that resolve to internal addresses", async () => {
    const guard = createDestinationGuard({ resolve });
    await assert.doesNotReject(guard.checkDestination("https://hooks.example.com/"));
    await assert.doesNotReject(guard.checkDestination("https://v6.example.com/"));
    await assert.rejects(guard.checkDestination("http://metadata.example.com/"), DestinationRefusedError);
    await assert.rejects(guard.checkDestination("http://mixed.example.com/"), /10\.0\.0\.5 is private/);
    await assert.rejects(guard.checkDestination("http://nxdomain.example.com/"), /ENOTFOUND/);
  });

  test("an IP allow entry opens that address, on its port only when one is given", () => {
    const guard = createDestinationGuard({ resolve, policy: { allow: ["127.0.0.1:8080", "[::1]", "10.0.0.1"] } });
    assert.doesNotThrow(() => guard.checkUrl("http://127.0.0.1:8080/"));
    assert.doesNotThrow(() => guard.checkUrl("http://2130706433:8080/"));
    assert.doesNotThrow(() => guard.checkUrl("http://[::ffff:127.0.0.1]:8080/"));
    assert.throws(() => guard.checkUrl("http://127.0.0.1:8081/"), DestinationRefusedError);
    assert.throws(() => guard.checkUrl("http://127.0.0.2:8080/"), DestinationRefusedError);
    assert.doesNotThrow(() => guard.checkUrl("http://[::1]:9/"));
    assert.doesNotThrow(() => guard.checkUrl("http://10.0.0.1:1234/"));
  });

  test("a name allow entry opens that name whatever it resolves to", async () => {
    const guard = createDestinationGuard({ resolve, policy: { allow: ["metadata.example.com:80", "localhost"] } });
    await assert.doesNotReject(guard.checkDestination("http://metadata.example.com/"));
    await assert.rejects(guard.checkDestination("http://metadata.example.com:81/"), DestinationRefusedError);
    await assert.doesNotReject(guard.checkDestination("http://localhost:3000/"));
    await assert.rejects(guard.checkDestination("http://mixed.example.com/"), DestinationRefusedError);
  });

  test("allowLoopback (localserve) opens loopback only", async () => {
    const guard = createDestinationGuard({ resolve, policy: { allowLoopback: true } });
    for (const url of ["http://127.0.0.1:1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0x7f.1/", "http://localhost./"]) {
      await assert.doesNotReject(guard.checkDestination(url), url);
    }
    for (const url of ["http://0.0.0.0/", "http://169.254.169.254/", "http://10.0.0.1/", "http://[fc00::1]/"]) {
      assert.throws(() => guard.checkUrl(url), DestinationRefusedError, url);
    }
  });

  test("parseAllowEntry accepts host[:port] and [v6][:port], refuses the rest", () => {
    assert.deepEqual(parseAllowEntry("Hooks.Example.com.:443"), { host: "hooks.example.com", port: 443 });
    assert.deepEqual(parseAllowEntry("[::1]:8080"), { host: "::1", port: 8080 });
    assert.deepEqual(parseAllowEntry("10.0.0.1"), { host: "10.0.0.1", port: undefined });
    for (const bad of ["", "a:b", "::1", "host:0", "host:70000", "http://host"]) {
      assert.throws(() => parseAllowEntry(bad), InvalidWebhookUrlError, bad);
    }
  });

  test("connectLookup refuses an internal answer and serves both lookup shapes", async () => {
    const guard = createDestinationGuard({ resolve });
    const call = (host: string, all: boolean) =>
      new Promise<unknown>((res, rej) => {
        const target = guard.checkUrl(`http://${host}/`);
        guard.connectLookup(target)(host, { all }, (err, address, family) => (err ? rej(err) : res(all ? address : [address, family])));
      });
    assert.deepEqual(await call("hooks.example.com", false), ["93.184.216.34", 4]);
    assert.deepEqual(await call("hooks.example.com", true), [{ address: "93.184.216.34", family: 4 }]);
    await assert.rejects(call("metadata.example.com", false), DestinationRefusedError);
    await assert.rejects(call("mixed.example.com", true), DestinationRefusedError);
  });
});
