import type { LocalserveFlags } from "../localserve/index.js";
import { UsageError } from "./usage.js";

/** Turns localserve's parsed options into its flags; numbers must be non-negative. */
export function localserveFlags(values: Record<string, unknown>): Partial<LocalserveFlags> {
  const num = (k: string) => {
    const v = values[k];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${k} must be a non-negative number`);
    return n;
  };
  const out = {
    dir: values.dir,
    smtpPort: num("smtp-port"),
    submissionPort: num("submission-port"),
    submissionsPort: num("submissions-port"),
    httpPort: num("http-port"),
    incomingWebhook: values["incoming-webhook"],
    outgoingWebhook: values["outgoing-webhook"],
    webhookSecret: values["webhook-secret"],
    timeScale: num("time-scale"),
    logLevel: values["log-level"],
    metrics: values["no-metrics"] ? false : undefined,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as Partial<LocalserveFlags>;
}
