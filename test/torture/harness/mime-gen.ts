// MIME generators for fuzzing (docs/guarantees.md group B): a fast-check arbitrary of structured but
// hostile messages (nesting, many parts, colliding and missing boundaries, broken transfer
// encodings, odd charsets, RFC 2047/2231 abuse, byte mutations), and the named bombs B1–B9.
import fc from "fast-check";

/** Charsets mail really carries, the exotic ones of B7 and made-up names. */
export const charsets = ["utf-8", "us-ascii", "iso-8859-1", "windows-1252", "utf-7", "ks_c_5601-1987", "iso-2022-jp", "shift_jis", "gb2312", "big5", "koi8-r", "utf-16", "utf-16le", "utf-16be", "x-unknown", "", "\"utf-8\"", "UTF-8; x=1"];

const crlf = "\r\n";
const bytes = (s: string) => Buffer.from(s, "latin1");

/** Header-ish text: printable, 8-bit, control characters and line breaks in odd places. */
const headerText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString("latin1")),
  fc.constantFrom("=?utf-8?B?w6TDtsO8?=", "=?utf-8?Q?caf=C3=A9?=", "=?utf-7?B?K0FPUS0=?=", "=?x?Q?=FF=FE?=", "=?utf-16?B?2D3eAA==?=", "=?iso-2022-jp?B?GyRCJDMbKEI=?=", "=?utf-8?B?broken", "=??B??=", "\u0000", "\r\n\t folded", "=?utf-8?q?a?= =?utf-8?q?b?="),
);

/** One encoded word with a random charset over random bytes (valid or not). */
const encodedWord = fc.tuple(fc.constantFrom(...charsets), fc.constantFrom("B", "Q", "b", "q", "X"), fc.uint8Array({ maxLength: 40 })).map(([cs, enc, b]) => {
  const data = enc.toUpperCase() === "B" ? Buffer.from(b).toString("base64") : [...b].map((x) => `=${x.toString(16).padStart(2, "0").toUpperCase()}`).join("");
  return `=?${cs}?${enc}?${data}?=`;
});

/** A body transfer-encoded, or broken, as the part claims. */
function encodeBody(cte: string, body: Uint8Array, breakIt: boolean): string {
  const b = Buffer.from(body);
  let out: string;
  if (cte === "base64") out = b.toString("base64").replace(/.{1,76}/g, (l) => l + crlf);
  else if (cte === "quoted-printable") out = [...b].map((x) => (x >= 33 && x <= 126 && x !== 61 ? String.fromCharCode(x) : `=${x.toString(16).padStart(2, "0").toUpperCase()}`)).join("").replace(/.{1,73}/g, (l) => l + "=" + crlf);
  else out = b.toString("latin1").replace(/\r?\n/g, crlf);
  if (breakIt) out = out.slice(0, Math.max(0, out.length - 3)) + "=Z!*";
  return out;
}

type Node = { headers: string[]; body: string };

const leaf: fc.Arbitrary<Node> = fc
  .record({
    type: fc.constantFrom("text/plain", "text/html", "application/octet-stream", "image/png", "message/rfc822", "message/delivery-status", "text/calendar", "x-/y", ""),
    charset: fc.constantFrom(...charsets),
    cte: fc.constantFrom("7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "BASE64", ""),
    body: fc.uint8Array({ maxLength: 300 }),
    broken: fc.boolean(),
    name: fc.option(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("../../x", "/etc/passwd", "a\u202etxt.exe", "x\r\ny: z", "\u0000.txt")), { nil: undefined }),
    rfc2231: fc.boolean(),
  })
  .map((p) => {
    const headers: string[] = [];
    if (p.type) headers.push(`Content-Type: ${p.type}; charset=${p.charset}`);
    if (p.cte) headers.push(`Content-Transfer-Encoding: ${p.cte}`);
    if (p.name !== undefined) {
      headers.push(p.rfc2231 ? `Content-Disposition: attachment; filename*0*=utf-8''${encodeURIComponent(p.name)}; filename*1="${p.name.slice(0, 3)}"` : `Content-Disposition: attachment; filename="${p.name}"`);
    }
    return { headers, body: encodeBody(p.cte.toLowerCase(), p.body, p.broken) };
  });

/** A MIME tree of bounded depth with hostile boundaries. */
export const mimeNode: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc
      .record({
        sub: fc.constantFrom("mixed", "alternative", "related", "report", "digest", "signed"),
        boundary: fc.oneof(fc.constantFrom("b", "=_part", "--", "x y", "a".repeat(70), "\u00e9", ""), fc.string({ minLength: 1, maxLength: 20 })),
        parts: fc.array(tie("node"), { maxLength: 5 }),
        close: fc.boolean(),
        preamble: fc.constantFrom("", "preamble\r\n", "--b\r\n", "--bb\r\n"),
      })
      .map((m) => {
        const children = m.parts.map((p) => `--${m.boundary}${crlf}${p.headers.join(crlf)}${crlf}${crlf}${p.body}${crlf}`).join("");
        const body = `${m.preamble}${children}${m.close ? `--${m.boundary}--${crlf}` : ""}epilogue${crlf}`;
        return { headers: [`Content-Type: multipart/${m.sub}; boundary="${m.boundary}"`], body };
      }),
  ),
})).node;

/** A whole message: top-level headers (encoded words, junk lines) over a MIME tree, then byte mutations. */
export const mimeMessage: fc.Arbitrary<Buffer> = fc
  .record({
    subject: fc.array(fc.oneof(encodedWord, headerText), { maxLength: 4 }),
    from: fc.oneof(fc.constant("a@example.com"), headerText, fc.constant('"=?utf-8?B?w6Q=?=" <x@y>, ;;; <@>')),
    extra: fc.array(fc.oneof(headerText.map((t) => `X-Fuzz: ${t}`), headerText), { maxLength: 4 }),
    root: mimeNode,
    mutations: fc.array(fc.tuple(fc.nat(), fc.constantFrom("flip", "cr", "lf", "nul", "cut", "dup")), { maxLength: 3 }),
  })
  .map((m) => {
    let b = bytes(
      [`From: ${m.from}`, "To: b@example.com", `Subject: ${m.subject.join(" ")}`, "MIME-Version: 1.0", ...m.extra, ...m.root.headers].join(crlf) + crlf + crlf + m.root.body,
    );
    for (const [at, kind] of m.mutations) {
      const i = b.length ? at % b.length : 0;
      if (kind === "flip" && b.length) b[i] = b[i]! ^ 0x80;
      else if (kind === "cut") b = b.subarray(0, i);
      else if (kind === "dup") b = Buffer.concat([b.subarray(0, i), b.subarray(i / 2, i), b.subarray(i)]);
      else b = Buffer.concat([b.subarray(0, i), Buffer.from(kind === "cr" ? "\r" : kind === "lf" ? "\n" : "\0"), b.subarray(i)]);
    }
    return b;
  });

const head = (ct: string, more = "") => `From: bomb@example.com\r\nTo: b@example.com\r\nSubject: bomb\r\n${more}Content-Type: ${ct}\r\n\r\n`;

/** The named bombs of group B, each built on demand (several are megabytes). */
export const bombs: Record<string, () => Buffer> = {
  "B1 3000 nested multiparts": () => {
    let s = "";
    for (let i = 0; i < 3000; i++) s += `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`;
    return bytes(head('multipart/mixed; boundary="b0"') + s + "leaf\r\n");
  },
  "B1 50 nested message/rfc822": () => bytes(Array.from({ length: 50 }, () => head("message/rfc822")).join("") + "inner body\r\n"),
  "B2 5000 sibling parts": () => bytes(head('multipart/mixed; boundary="s"') + "--s\r\nContent-Type: text/plain\r\n\r\npart\r\n".repeat(5000) + "--s--\r\n"),
  "B3 2 MB subject": () => bytes(`From: a@b\r\nSubject: ${"x".repeat(2 << 20)}\r\n\r\nbody\r\n`),
  "B3 30k headers": () => bytes(`From: a@b\r\n${"X-H: v\r\n".repeat(30_000)}\r\nbody\r\n`),
  "B3 100k To addresses": () => bytes(`From: a@b\r\nTo: ${Array.from({ length: 100_000 }, (_, i) => `u${i}@example.com`).join(",\r\n ")}\r\n\r\nbody\r\n`),
  "B3 20k RFC 2231 continuations": () => bytes(head(`application/octet-stream; ${Array.from({ length: 20_000 }, (_, i) => `name*${i}*=%41`).join(";\r\n ")}`) + "x\r\n"),
  "B3 10k Content-Type parameters": () => bytes(head(`text/plain; ${Array.from({ length: 10_000 }, (_, i) => `p${i}=v`).join("; ")}`) + "x\r\n"),
  "B4 400k nested divs": () => bytes(head("text/html; charset=utf-8") + "<div>".repeat(400_000) + "\r\n"),
  "B6 garbage base64": () => bytes(head("text/plain", "Content-Transfer-Encoding: base64\r\n") + "!!!!####====@@@@\r\n".repeat(50_000)),
  "B6 truncated base64": () => bytes(head("text/plain", "Content-Transfer-Encoding: base64\r\n") + Buffer.alloc(300_000, 7).toString("base64").slice(0, -3)),
  "B6 2M QP soft breaks": () => bytes(head("text/plain", "Content-Transfer-Encoding: quoted-printable\r\n") + "=\r\n".repeat(2_000_000) + "end\r\n"),
  "B6 100k encoded words": () => bytes(`From: a@b\r\nSubject: ${"=?utf-8?B?w6Q=?= ".repeat(100_000)}\r\n\r\nx\r\n`),
  "B7 charsets": () =>
    bytes(
      head('multipart/mixed; boundary="c"') +
        charsets.map((cs) => `--c\r\nContent-Type: text/plain; charset=${cs}\r\n\r\n\xff\xfe\x00d\x1b$B\xc0\xaf\xed\xa0\x80+AGE-\r\n`).join("") +
        "--c--\r\n",
    ),
  "B8 no closing boundary": () => bytes(head('multipart/mixed; boundary="n"') + "--n\r\nContent-Type: text/plain\r\n\r\nopen\r\n"),
  "B8 200k near-miss lines": () => bytes(head('multipart/mixed; boundary="near"') + "--nea\r\n--near \r\n-near\r\n".repeat(70_000) + "--near--\r\n"),
  "B8 multipart without boundary": () => bytes(head("multipart/mixed") + "--x\r\n\r\nbody\r\n--x--\r\n"),
  "B9 hostile names": () =>
    bytes(
      head('multipart/mixed; boundary="h"') +
        ["../../x", "/etc/passwd", "a\u202eexe.txt", "n\0ul", "x".repeat(10_000)].map((n) => `--h\r\nContent-Disposition: attachment; filename="${n}"\r\n\r\ndata\r\n`).join("") +
        "--h--\r\n",
    ),
};
