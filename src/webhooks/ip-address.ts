/**
 * IP address parsing and classification for the SSRF guard. Works on bytes so every spelling of
 * an address lands in the same place: IPv4-mapped/compatible/NAT64/6to4 IPv6 forms are classified
 * by the IPv4 address they carry, and numeric host forms (`2130706433`, `0177.0.0.1`, `0x7f.1`)
 * are read the way inet_aton and the WHATWG URL parser read them.
 */
import { isIPv4, isIPv6 } from "node:net";

/** Why an address is not a public destination, or `public`. */
export type AddressClass =
  | "public"
  | "unspecified"
  | "loopback"
  | "private"
  | "shared"
  | "link-local"
  | "unique-local"
  | "site-local"
  | "multicast"
  | "documentation"
  | "reserved";

/** A parsed IP address: 4 or 16 bytes. */
export interface IpBytes {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

type Range = readonly [prefix: readonly number[], bits: number, cls: AddressClass];

// IPv4 special-purpose ranges (IANA registry, RFC 6890 and successors).
const V4_RANGES: readonly Range[] = [
  [[0], 8, "unspecified"], // "this network"; connecting to 0.0.0.0 reaches the local host
  [[10], 8, "private"],
  [[100, 64], 10, "shared"], // carrier-grade NAT
  [[127], 8, "loopback"],
  [[169, 254], 16, "link-local"], // includes cloud metadata 169.254.169.254
  [[172, 16], 12, "private"],
  [[192, 0, 0], 24, "reserved"],
  [[192, 0, 2], 24, "documentation"],
  [[192, 168], 16, "private"],
  [[198, 18], 15, "reserved"], // benchmarking
  [[198, 51, 100], 24, "documentation"],
  [[203, 0, 113], 24, "documentation"],
  [[224], 4, "multicast"],
  [[240], 4, "reserved"], // includes 255.255.255.255
];

// IPv6 ranges that do not embed an IPv4 address (those are handled in embeddedIPv4).
const V6_RANGES: readonly Range[] = [
  [[0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48, "reserved"], // local-use NAT64
  [[0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, "reserved"], // discard-only
  [[0x20, 0x01, 0x0d, 0xb8], 32, "documentation"],
  [[0x20, 0x01, 0x00, 0x00], 32, "reserved"], // Teredo tunnels, the IPv4 inside is obfuscated
  [[0xfc], 7, "unique-local"],
  [[0xfe, 0x80], 10, "link-local"],
  [[0xfe, 0xc0], 10, "site-local"],
  [[0xff], 8, "multicast"],
];

function matches(bytes: Uint8Array, prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i * 8 < bits; i++) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** Parses dotted-quad IPv4 in its strict form (`127.0.0.1`). */
function parseIPv4Strict(s: string): Uint8Array | null {
  if (!isIPv4(s)) return null;
  return Uint8Array.from(s.split(".").map(Number));
}

/** Parses IPv6 text (with or without brackets, zone id ignored), including a dotted-quad tail. */
function parseIPv6(input: string): Uint8Array | null {
  let s = input.startsWith("[") && input.endsWith("]") ? input.slice(1, -1) : input;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!isIPv6(s)) return null;
  const tail = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const v4 = parseIPv4Strict(tail[2]!);
    if (!v4) return null;
    s = `${tail[1]}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = s.split("::");
  const left = halves[0] ? halves[0].split(":") : [];
  const right = halves.length > 1 && halves[1] ? halves[1].split(":") : [];
  const fill = halves.length > 1 ? 8 - left.length - right.length : 0;
  const words = [...left, ...Array<string>(fill).fill("0"), ...right];
  if (words.length !== 8) return null;
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    const n = parseInt(w, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  });
  return bytes;
}

/**
 * Reads a host as an IPv4 number the lenient way (inet_aton / WHATWG URL): one to four parts,
 * each decimal, octal with a leading `0`, or hex with `0x`; the last part fills the remaining
 * bytes. So `2130706433`, `0177.0.0.1`, `0x7f.1` and `127.1` all give 127.0.0.1. Null if the host
 * is not numeric or a part overflows.
 */
export function parseIPv4Loose(host: string): Uint8Array | null {
  const parts = host.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop(); // trailing dot
  if (parts.length < 1 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) n = p.length === 1 ? 0 : parseInt(p.slice(1), 8);
    else if (/^[1-9][0-9]*$/.test(p)) n = Number(p);
    else return null;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 256 ** (4 - nums.length)) return null;
  const bytes = new Uint8Array(4);
  nums.forEach((n, i) => (bytes[i] = n));
  for (let i = 3, v = last; i >= nums.length; i--, v = Math.floor(v / 256)) bytes[i] = v % 256;
  return bytes;
}

/** Parses an IP address in any accepted spelling (IPv6 with or without brackets, loose IPv4). */
export function parseIp(text: string): IpBytes | null {
  const v6 = text.includes(":") ? parseIPv6(text) : null;
  if (v6) return { family: 6, bytes: v6 };
  const v4 = parseIPv4Loose(text);
  return v4 ? { family: 4, bytes: v4 } : null;
}

/** The IPv4 address carried inside an IPv6 address (mapped, compatible, SIIT, NAT64, 6to4). */
export function embeddedIPv4(v6: Uint8Array): Uint8Array | null {
  const zero = (from: number, to: number) => v6.subarray(from, to).every((b) => b === 0);
  const last4 = v6.subarray(12, 16);
  if (zero(0, 10) && v6[10] === 0xff && v6[11] === 0xff) return last4; // ::ffff:a.b.c.d
  if (zero(0, 8) && v6[8] === 0xff && v6[9] === 0xff && zero(10, 12)) return last4; // ::ffff:0:a.b.c.d
  if (matches(v6, [0x00, 0x64, 0xff, 0x9b], 96)) return last4; // 64:ff9b::a.b.c.d
  if (v6[0] === 0x20 && v6[1] === 0x02) return v6.subarray(2, 6); // 6to4 2002:AABB:CCDD::
  // ::a.b.c.d (deprecated compatible form); :: and ::1 are themselves, not 0.0.0.0/0.0.0.1.
  if (zero(0, 12) && !(zero(12, 15) && (v6[15] === 0 || v6[15] === 1))) return last4;
  return null;
}

/** Classifies parsed address bytes. */
export function classifyBytes(ip: IpBytes): AddressClass {
  if (ip.family === 4) return V4_RANGES.find(([p, bits]) => matches(ip.bytes, p, bits))?.[2] ?? "public";
  const b = ip.bytes;
  if (b.every((x) => x === 0)) return "unspecified";
  if (b.subarray(0, 15).every((x) => x === 0) && b[15] === 1) return "loopback";
  const v4 = embeddedIPv4(b);
  if (v4) return classifyBytes({ family: 4, bytes: v4 });
  return V6_RANGES.find(([p, bits]) => matches(b, p, bits))?.[2] ?? "public";
}

/** Classifies an address given as text; null when the text is not an IP address. */
export function classifyAddress(text: string): AddressClass | null {
  const ip = parseIp(text);
  return ip ? classifyBytes(ip) : null;
}

/** True when both texts denote the same address (an IPv4-mapped IPv6 equals its IPv4). */
export function sameAddress(a: IpBytes, b: IpBytes): boolean {
  const flat = (ip: IpBytes) => {
    const m = ip.family === 6 && ip.bytes.subarray(0, 10).every((x) => x === 0) && ip.bytes[10] === 0xff
      && ip.bytes[11] === 0xff;
    return m ? ip.bytes.subarray(12) : ip.bytes;
  };
  return Buffer.compare(flat(a), flat(b)) === 0;
}
