/**
 * SSRF guard for webhook destinations. A URL is checked when configured (scheme, credentials,
 * literal and encoded IPs, `localhost` names, plus a DNS lookup) and again at connect time: the
 * POST client connects through {@link DestinationGuard.connectLookup}, which refuses an internal
 * resolved address before any socket is opened, so DNS rebinding gains nothing. An allow-list of
 * `host[:port]` entries opens specific destinations; serve mode is closed by default.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import type { LookupAddress, LookupOptions } from "node:dns";
import { DestinationRefusedError, InvalidWebhookUrlError } from "./errors.js";
import { classifyBytes, parseIp, sameAddress, type IpBytes } from "./ip-address.js";

/** One resolved address. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to all its addresses (injectable; tests script rebinding with it). */
export type ResolveHost = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** Default {@link ResolveHost}: the system resolver via `dns.lookup` (getaddrinfo). */
export const systemResolveHost: ResolveHost = async (hostname) => {
  const all = await dnsLookup(hostname, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** Which internal destinations are opened. Default (`{}`): none, as in serve mode. */
export interface DestinationPolicy {
  /**
   * Entries `host`, `host:port`, `[v6]` or `[v6]:port`. A host name entry matches the URL's host
   * (whatever it resolves to); an IP entry matches the address connected to. Without a port,
   * every port matches.
   */
  readonly allow?: readonly string[];
  /** Open loopback addresses and `localhost` names (localserve's default). */
  readonly allowLoopback?: boolean;
}

/** A parsed, statically checked webhook URL. */
export interface WebhookTarget {
  readonly url: URL;
  /** Host without brackets or trailing dot, lowercase; what is resolved and sent as SNI. */
  readonly hostname: string;
  readonly port: number;
  /** The address when the URL names an IP literal (no DNS lookup then). */
  readonly literal: IpBytes | null;
}

/** Node's `lookup` option signature (net.connect / http.request). */
export type ConnectLookup = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** Checks webhook destinations against a {@link DestinationPolicy}; see the module comment. */
export interface DestinationGuard {
  /** Parses and statically checks a URL; throws InvalidWebhookUrlError or DestinationRefusedError. */
  checkUrl(url: string): WebhookTarget;
  /** Throws DestinationRefusedError unless connecting to `address` for `target` is allowed. */
  checkAddress(address: string, target: WebhookTarget): void;
  /** Config-time check: {@link checkUrl}, then resolve the host and check every address. */
  checkDestination(url: string): Promise<WebhookTarget>;
  /** A `lookup` for http.request that resolves with the injected resolver and refuses internal addresses. */
  connectLookup(target: WebhookTarget): ConnectLookup;
}

interface AllowEntry {
  readonly host: string;
  readonly ip: IpBytes | null;
  readonly port: number | undefined;
}

function normalizeHost(host: string): string {
  const h = host.toLowerCase();
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

/** Parses one allow-list entry; exported for config validation. */
export function parseAllowEntry(entry: string): { host: string; port: number | undefined } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(entry.trim());
  const port = m?.[3] === undefined ? undefined : Number(m[3]);
  if (!m || (port !== undefined && (port < 1 || port > 65535))) {
    throw new InvalidWebhookUrlError(`parsing webhook allow-list entry ${JSON.stringify(entry)}: want host[:port]`);
  }
  return { host: normalizeHost(m[1] ?? m[2]!), port };
}

function isLocalhostName(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost"); // RFC 6761 §6.3
}

/** Creates a guard for a policy; `resolve` defaults to the system resolver. */
export function createDestinationGuard(opts: { policy?: DestinationPolicy; resolve?: ResolveHost } = {}): DestinationGuard {
  const policy = opts.policy ?? {};
  const resolve = opts.resolve ?? systemResolveHost;
  const allow: AllowEntry[] = (policy.allow ?? []).map((e) => {
    const { host, port } = parseAllowEntry(e);
    return { host, ip: parseIp(host), port };
  });

  const allowedByName = (t: WebhookTarget) =>
    allow.some((e) => e.ip === null && e.host === t.hostname && (e.port === undefined || e.port === t.port));
  const allowedByIp = (ip: IpBytes, t: WebhookTarget) =>
    allow.some((e) => e.ip !== null && sameAddress(e.ip, ip) && (e.port === undefined || e.port === t.port));

  function checkIp(ip: IpBytes, shown: string, t: WebhookTarget): void {
    const cls = classifyBytes(ip);
    if (cls === "public" || (cls === "loopback" && policy.allowLoopback)) return;
    if (allowedByName(t) || allowedByIp(ip, t)) return;
    throw new DestinationRefusedError(`webhook destination ${t.hostname} refused: ${shown} is ${cls}`, shown);
  }

  function checkUrl(raw: string): WebhookTarget {
    let url: URL;
    try {
      url = new URL(raw);
    } catch (err) {
      throw new InvalidWebhookUrlError("parsing webhook url: invalid URL", { cause: err });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new InvalidWebhookUrlError(`parsing webhook url: scheme ${url.protocol} not http or https`);
    }
    // Credentials in the URL are refused: they hide the host from casual review
    // (`http://trusted@127.0.0.1`) and belong in the Authorization setting.
    if (url.username !== "" || url.password !== "") {
      throw new InvalidWebhookUrlError("parsing webhook url: credentials in the URL are not allowed");
    }
    const hostname = normalizeHost(url.hostname.replace(/^\[(.*)\]$/, "$1"));
    if (hostname === "") throw new InvalidWebhookUrlError("parsing webhook url: no host");
    const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
    // The URL parser already turns 2130706433, 0177.0.0.1 and 0x7f.1 into 127.0.0.1; parseIp
    // reads those forms too, so a host that is numeric in any spelling is treated as an IP.
    const literal = parseIp(hostname);
    const target: WebhookTarget = { url, hostname, port, literal };
    if (literal) checkIp(literal, hostname, target);
    else if (isLocalhostName(hostname) && !policy.allowLoopback && !allowedByName(target)) {
      throw new DestinationRefusedError(`webhook destination ${hostname} refused: localhost name`);
    }
    return target;
  }

  function checkAddress(address: string, target: WebhookTarget): void {
    const ip = parseIp(address);
    if (!ip) throw new DestinationRefusedError(`webhook destination ${target.hostname} refused: bad address ${address}`);
    checkIp(ip, address, target);
  }

  async function resolveChecked(hostname: string, target: WebhookTarget): Promise<readonly ResolvedAddress[]> {
    const addrs = await resolve(hostname);
    if (addrs.length === 0) throw Object.assign(new Error(`resolving ${hostname}: no addresses`), { code: "ENOTFOUND" });
    // Refuse when any address is internal: a name mixing public and internal answers is suspect,
    // and the connection could otherwise pick the internal one.
    for (const a of addrs) checkAddress(a.address, target);
    return addrs;
  }

  return {
    checkUrl,
    checkAddress,
    async checkDestination(url) {
      const target = checkUrl(url);
      if (!target.literal) await resolveChecked(target.hostname, target);
      return target;
    },
    connectLookup(target) {
      return (hostname, options, callback) => {
        resolveChecked(hostname, target).then(
          (addrs) => {
            const f = options.family;
            const fam = f === 4 || f === "IPv4" ? 4 : f === 6 || f === "IPv6" ? 6 : 0;
            const usable = addrs.filter((a) => fam === 0 || a.family === fam);
            const first = usable[0];
            const err = first ? null : Object.assign(new Error(`resolving ${hostname}: no IPv${fam} address`), { code: "ENOTFOUND" });
            // Called outside the promise chain, as dns.lookup does, so a throwing callback is not swallowed.
            process.nextTick(() => {
              if (!first) callback(err, "", 0);
              else if (options.all) callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
              else callback(null, first.address, first.family);
            });
          },
          (err: NodeJS.ErrnoException) => process.nextTick(() => callback(err, "", 0)),
        );
      };
    },
  };
}

/**
 * The configuration-time check of a webhook URL, the same one serve applies when it syncs the
 * config file (scheme, credentials, literal internal addresses, `localhost` names): `config
 * check` calls it so it never accepts a URL that serve refuses. Returns the refusal or null.
 */
export function webhookUrlProblem(url: string, policy: DestinationPolicy): string | null {
  try {
    createDestinationGuard({ policy, resolve: async () => [] }).checkUrl(url);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
