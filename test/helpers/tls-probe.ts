// TLS probe: python3's smtplib and ssl modules open a real SMTP session (plain, STARTTLS or
// implicit TLS), report the certificate the server presented, and try AUTH PLAIN.
import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import selfsigned from "selfsigned";

/** What the probe saw. `auth` is the reply to AUTH PLAIN as [code, text]. */
export type ProbeResult = {
  ehlo: string;
  /** SHA-256 of the server certificate (DER), upper-case hex with colons as node prints it; "" without TLS. */
  fingerprint: string;
  tlsVersion: string;
  auth: [number, string] | null;
  /** Reply to STARTTLS when it was refused, e.g. [502, "..."]. */
  starttlsRefused?: [number, string];
  error?: string;
};

const script = `
import smtplib, ssl, socket, sys, json, hashlib, base64
o = json.loads(sys.stdin.read())
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
out = {"ehlo": "", "fingerprint": "", "tlsVersion": "", "auth": None}
def cert(sock):
    d = hashlib.sha256(sock.getpeercert(binary_form=True)).hexdigest().upper()
    out["fingerprint"] = ":".join(d[i:i+2] for i in range(0, len(d), 2))
    out["tlsVersion"] = sock.version()
try:
    if o["mode"] == "implicit":
        s = smtplib.SMTP(timeout=30)
        s.sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", o["port"]), 30), server_hostname=o.get("servername"))
        s.getreply()
        cert(s.sock)
    else:
        s = smtplib.SMTP("127.0.0.1", o["port"], timeout=30)
    code, msg = s.ehlo("probe.example")
    out["ehlo"] = msg.decode()
    if o["mode"] == "starttls":
        code, msg = s.docmd("STARTTLS")
        if code != 220:
            out["starttlsRefused"] = [code, msg.decode()]
        else:
            s.sock = ctx.wrap_socket(s.sock, server_hostname=o.get("servername"))
            s.file = None
            cert(s.sock)
            code, msg = s.ehlo("probe.example")
            out["ehlo"] = msg.decode()
    if o.get("auth"):
        a = o["auth"]
        token = base64.b64encode((a.get("authzid", "") + "\\0" + a["user"] + "\\0" + a["password"]).encode()).decode()
        code, msg = s.docmd("AUTH", "PLAIN " + token)
        out["auth"] = [code, msg.decode()]
    s.close()
except Exception as e:
    out["error"] = repr(e)
print(json.dumps(out))
`;

/** Runs one probe session against 127.0.0.1:`port`. */
export async function probeSmtp(o: {
  port: number;
  mode: "plain" | "starttls" | "implicit";
  servername?: string;
  auth?: { user: string; password: string; authzid?: string };
}): Promise<ProbeResult> {
  const child = spawn("python3", ["-c", script], { stdio: ["pipe", "pipe", "pipe"], timeout: 60_000 });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  child.stdin.end(JSON.stringify(o));
  await new Promise<void>((resolve) => child.once("close", () => resolve()));
  try {
    return JSON.parse(out) as ProbeResult;
  } catch {
    throw new Error(`tls probe failed: ${out}${err}`);
  }
}

/** The fingerprint of a PEM certificate in the probe's format. */
export function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/** A self-signed certificate for `name` (CN and DNS SAN). */
export async function makeCert(name: string): Promise<{ key: string; cert: string }> {
  const p = await selfsigned.generate([{ name: "commonName", value: name }], {
    keySize: 2048,
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: name }] }],
  });
  return { key: p.private, cert: p.cert };
}
