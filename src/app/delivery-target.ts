import type { Config } from "../config/index.js";
import type { Db } from "../db/index.js";
import { smarthostTarget, type Target } from "../delivery/index.js";
import { getDomain } from "../store/index.js";

/**
 * Where outgoing mail goes in serve mode: undefined (each domain's MX), or with
 * `delivery.smarthost` the smarthost for every domain except the ones hosted here, which are
 * handed to this server's own MX listener (or to their MX when it is off), never sent out.
 */
export function configuredTarget(config: Config, db: Db, ports: { smtp: number | null }): ((domain: string) => Promise<Target[] | null>) | undefined {
  if (!config.delivery.smarthost) return undefined;
  return smarthostTarget(config.delivery.smarthost, {
    hosted: async (domain) => (await getDomain(db, domain)) !== null,
    self: () => (ports.smtp === null ? null : { host: connectable(config.smtp.mx.host), port: ports.smtp }),
  });
}

/** The address to reach a listener bound to `host` on this machine. */
function connectable(host: string): string {
  if (host === "" || host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "::1";
  return host.replace(/^\[(.*)\]$/, "$1");
}
