#!/usr/bin/env node
/**
 * The `postwire` command: parses argv and dispatches to cmd/. Commands: serve, localserve,
 * migrate, account add, config check, dkim genkey, dns-records.
 */
import { parseArgs } from "node:util";

// A command's module is imported only when it runs: the server's dependency graph (SMTP, HTTP,
// mail parsing and authentication, database drivers) is most of the start-up time, and `--help`
// or `config check` need little of it.

const usage = `usage: postwire <command>
  serve --config FILE                 run with a configuration file
  localserve [--dir DIR] [--smtp-port N] [--submission-port N] [--submissions-port N]
             [--http-port N] [--incoming-webhook URL] [--outgoing-webhook URL]
             [--webhook-secret SECRET] [--time-scale N] [--log-level L] [--no-metrics]
                                      dev mode with mox's defaults (0 disables a listener)
  migrate [--config FILE | --dir DIR] apply database migrations
  account add NAME ADDRESS [--config FILE] [--password-file F]
                                      create an account (password from the file or stdin)
  config check FILE                   validate a configuration file
  dkim genkey DOMAIN [--selector S] [--config FILE | --dir DIR] [--overwrite]
                                      make a DKIM key and print its DNS record
  dns-records DOMAIN [--hostname H] [--selector S] [--ipv4 A]... [--ipv6 A]... [--config FILE | --dir DIR]
                                      print the DNS records to publish for a domain
`;

async function main(argv: string[]): Promise<void> {
  const [cmd, sub] = argv;
  const rest = (n: number) => argv.slice(n);
  switch (cmd) {
    case "serve": {
      const { values } = parseArgs({ args: rest(1), options: { config: { type: "string" } } });
      if (!values.config) throw new UsageError("serve needs --config FILE");
      return (await import("./cmd/serve.js")).serveCommand({ config: values.config });
    }
    case "localserve":
      return (await import("./cmd/localserve.js")).localserveCommand(localserveFlags(rest(1)));
    case "migrate": {
      const { values } = parseArgs({ args: rest(1), options: { config: { type: "string" }, dir: { type: "string" } } });
      return (await import("./cmd/migrate.js")).migrateCommand(values);
    }
    case "account": {
      if (sub !== "add") throw new UsageError("account: only `account add` exists");
      const { values, positionals } = parseArgs({
        args: rest(2),
        allowPositionals: true,
        options: { config: { type: "string" }, "password-file": { type: "string" }, dir: { type: "string" } },
      });
      const [name, address] = positionals;
      if (!name || !address) throw new UsageError("account add NAME ADDRESS");
      return (await import("./cmd/account-add.js")).accountAddCommand({ name, address, config: values.config, passwordFile: values["password-file"], dir: values.dir });
    }
    case "config": {
      if (sub !== "check" || !argv[2]) throw new UsageError("config check FILE");
      return (await import("./cmd/config-check.js")).configCheckCommand(argv[2]);
    }
    case "dkim": {
      if (sub !== "genkey") throw new UsageError("dkim: only `dkim genkey` exists");
      const { values, positionals } = parseArgs({
        args: rest(2),
        allowPositionals: true,
        options: { selector: { type: "string" }, config: { type: "string" }, dir: { type: "string" }, overwrite: { type: "boolean" } },
      });
      if (!positionals[0]) throw new UsageError("dkim genkey DOMAIN");
      return (await import("./cmd/dkim.js")).dkimGenkeyCommand({ domain: positionals[0], selector: values.selector ?? "postwire", config: values.config, dir: values.dir, overwrite: values.overwrite });
    }
    case "dns-records": {
      const { values, positionals } = parseArgs({
        args: rest(1),
        allowPositionals: true,
        options: {
          hostname: { type: "string" },
          selector: { type: "string" },
          config: { type: "string" },
          dir: { type: "string" },
          ipv4: { type: "string", multiple: true },
          ipv6: { type: "string", multiple: true },
        },
      });
      const domain = positionals[0];
      if (!domain) throw new UsageError("dns-records DOMAIN");
      return (await import("./cmd/dkim.js")).dnsRecordsCommand({
        domain,
        hostname: values.hostname ?? `mail.${domain}`,
        selector: values.selector ?? "postwire",
        config: values.config,
        dir: values.dir,
        ipv4: values.ipv4,
        ipv6: values.ipv6,
      });
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(usage);
      return;
    default:
      throw new UsageError(`unknown command ${cmd}`);
  }
}

function localserveFlags(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      dir: { type: "string" },
      "smtp-port": { type: "string" },
      "submission-port": { type: "string" },
      "submissions-port": { type: "string" },
      "http-port": { type: "string" },
      "incoming-webhook": { type: "string" },
      "outgoing-webhook": { type: "string" },
      "webhook-secret": { type: "string" },
      "time-scale": { type: "string" },
      "log-level": { type: "string" },
      "no-metrics": { type: "boolean" },
    },
  });
  const num = (k: keyof typeof values) => {
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
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) process.stderr.write(`postwire: ${err.message}\n\n${usage}`);
  else process.stderr.write(`postwire: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
