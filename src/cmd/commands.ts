import { UsageError } from "./usage.js";

/** One option of a command, as node:util parseArgs takes it plus its help text. */
export type CommandOption = { type: "string" | "boolean"; multiple?: boolean; value?: string; help: string };

type Values = Record<string, string | boolean | string[] | undefined>;

/** A command: its words (`dkim rotate`), arguments, help, options and what it runs. */
export type Command = {
  name: string;
  args: string;
  summary: string;
  details?: string;
  options: Record<string, CommandOption>;
  /** Names of the positional arguments; names in brackets are optional. */
  positionals: string[];
  run(values: Values, positionals: string[]): Promise<void> | void;
};

const databaseOptions: Record<string, CommandOption> = {
  config: { type: "string", value: "FILE", help: "configuration file: its database.url (or dataDir for PGlite)" },
  dir: { type: "string", value: "DIR", help: "PGlite data dir when there is no database URL (default ./postwire-data)" },
};
const databaseDetails =
  "The database is DATABASE_URL, else the config file's database.url, else PGlite in --dir or the\n" +
  "config's dataDir. PGlite's data dir is locked while `serve` runs: stop it first.";

const str = (v: Values, k: string) => v[k] as string | undefined;

/** Every command of `postwire`; modules are imported only when their command runs. */
export const commands: Command[] = [
  {
    name: "serve",
    args: "--config FILE",
    summary: "run the server with a configuration file (production mode)",
    details: "Runs until SIGTERM or SIGINT. SIGHUP reloads the TLS certificate. See config.example.yaml.",
    options: { config: { type: "string", value: "FILE", help: "configuration file (required)" } },
    positionals: [],
    async run(v) {
      const config = str(v, "config");
      if (!config) throw new UsageError("serve needs --config FILE");
      await (await import("./serve.js")).serveCommand({ config });
    },
  },
  {
    name: "localserve",
    args: "[options]",
    summary: "dev mode with mox's defaults: loopback listeners, one catch-all account",
    details: "A port of 0 disables that listener. Account mox@localhost, password moxmoxmox.",
    options: {
      dir: { type: "string", value: "DIR", help: "data dir (default ./postwire-localserve)" },
      "smtp-port": { type: "string", value: "N", help: "MX port (default 1025)" },
      "submission-port": { type: "string", value: "N", help: "submission port (default 1587)" },
      "submissions-port": { type: "string", value: "N", help: "submissions (implicit TLS) port (default 1465)" },
      "http-port": { type: "string", value: "N", help: "webapi and event stream port (default 1080)" },
      "incoming-webhook": { type: "string", value: "URL", help: "webhook for received messages" },
      "outgoing-webhook": { type: "string", value: "URL", help: "webhook for delivery events" },
      "webhook-secret": { type: "string", value: "SECRET", help: "whsec_ signing secret (default: generated)" },
      "time-scale": { type: "string", value: "N", help: "divide every retry wait by N" },
      "log-level": { type: "string", value: "L", help: "trace, debug, info, warn, error (default info)" },
      "no-metrics": { type: "boolean", help: "no Prometheus /metrics (e.g. to measure their cost)" },
    },
    positionals: [],
    async run(v) {
      const { localserveFlags } = await import("./localserve-flags.js");
      await (await import("./localserve.js")).localserveCommand(localserveFlags(v));
    },
  },
  {
    name: "migrate",
    args: "[--config FILE | --dir DIR]",
    summary: "apply database migrations and exit",
    details: databaseDetails,
    options: databaseOptions,
    positionals: [],
    async run(v) {
      await (await import("./migrate.js")).migrateCommand({ config: str(v, "config"), dir: str(v, "dir") });
    },
  },
  {
    name: "account add",
    args: "NAME ADDRESS [--password-file F]",
    summary: "create an account; refuses an existing one (see account passwd)",
    details: "The password is read from --password-file or stdin, never from the command line.\n" + databaseDetails,
    options: { "password-file": { type: "string", value: "F", help: "file holding the password (trimmed)" }, ...databaseOptions },
    positionals: ["NAME", "ADDRESS"],
    async run(v, [name, address]) {
      await (await import("./account.js")).accountAddCommand({ name: name!, address: address!, config: str(v, "config"), dir: str(v, "dir"), passwordFile: str(v, "password-file") });
    },
  },
  {
    name: "account passwd",
    args: "NAME [--password-file F]",
    summary: "change an account's password",
    details: "The password is read from --password-file or stdin. An account whose passwordFile is set in\nthe configuration gets that file's password back at the next start of serve.\n" + databaseDetails,
    options: { "password-file": { type: "string", value: "F", help: "file holding the new password (trimmed)" }, ...databaseOptions },
    positionals: ["NAME"],
    async run(v, [name]) {
      await (await import("./account.js")).accountPasswdCommand({ name: name!, config: str(v, "config"), dir: str(v, "dir"), passwordFile: str(v, "password-file") });
    },
  },
  {
    name: "config check",
    args: "FILE",
    summary: "validate a configuration file; lists every problem",
    details: "Checks the schema (unknown keys too), URLs, addresses and their domains, and the files it names.",
    options: {},
    positionals: ["FILE"],
    async run(_v, [file]) {
      await (await import("./config-check.js")).configCheckCommand(file!);
    },
  },
  {
    name: "dkim genkey",
    args: "DOMAIN [--selector S] [--overwrite]",
    summary: "make a domain's first DKIM key (in the database) and print its TXT record",
    details: "The selector defaults to the domain's dkimSelector in --config, else `postwire`.\n" + databaseDetails,
    options: {
      selector: { type: "string", value: "S", help: "DKIM selector" },
      overwrite: { type: "boolean", help: "replace the key of this selector in place" },
      ...databaseOptions,
    },
    positionals: ["DOMAIN"],
    async run(v, [domain]) {
      await (await import("./dkim.js")).dkimGenkeyCommand({ domain: domain!, selector: str(v, "selector"), overwrite: v.overwrite === true, config: str(v, "config"), dir: str(v, "dir") });
    },
  },
  {
    name: "dkim rotate",
    args: "DOMAIN [--selector S] [--sign-after DURATION]",
    summary: "make a new DKIM key that signs from now on; the previous ones stay publishable",
    details: "Running processes switch without a restart. Publish the printed record first, or give\n--sign-after (e.g. 48h) to let DNS catch up before the new key signs.\n" + databaseDetails,
    options: {
      selector: { type: "string", value: "S", help: "new selector (default postwireYYYYMMDD)" },
      "sign-after": { type: "string", value: "DURATION", help: "start signing after this long (e.g. 48h)" },
      ...databaseOptions,
    },
    positionals: ["DOMAIN"],
    async run(v, [domain]) {
      await (await import("./dkim.js")).dkimRotateCommand({ domain: domain!, selector: str(v, "selector"), signAfter: str(v, "sign-after"), config: str(v, "config"), dir: str(v, "dir") });
    },
  },
  {
    name: "dkim list",
    args: "[DOMAIN]",
    summary: "list stored DKIM keys, which one signs, and their TXT records",
    details: databaseDetails,
    options: databaseOptions,
    positionals: ["[DOMAIN]"],
    async run(v, [domain]) {
      await (await import("./dkim.js")).dkimListCommand({ domain, config: str(v, "config"), dir: str(v, "dir") });
    },
  },
  {
    name: "dkim remove",
    args: "DOMAIN SELECTOR",
    summary: "delete a DKIM key that no longer signs",
    details: databaseDetails,
    options: databaseOptions,
    positionals: ["DOMAIN", "SELECTOR"],
    async run(v, [domain, selector]) {
      await (await import("./dkim.js")).dkimRemoveCommand({ domain: domain!, selector: selector!, config: str(v, "config"), dir: str(v, "dir") });
    },
  },
  {
    name: "dns-records",
    args: "DOMAIN [--hostname H] [--selector S] [--ipv4 A]... [--ipv6 A]...",
    summary: "print the MX, SPF, DKIM, DMARC and TLS-RPT records to publish for a domain",
    details: "The DKIM record is the signing key's unless --selector names another.\n" + databaseDetails,
    options: {
      hostname: { type: "string", value: "H", help: "this server's name (default mail.DOMAIN)" },
      selector: { type: "string", value: "S", help: "DKIM selector (default: the signing key)" },
      ipv4: { type: "string", multiple: true, value: "A", help: "public IPv4 address (repeatable)" },
      ipv6: { type: "string", multiple: true, value: "A", help: "public IPv6 address (repeatable)" },
      ...databaseOptions,
    },
    positionals: ["DOMAIN"],
    async run(v, [domain]) {
      await (await import("./dkim.js")).dnsRecordsCommand({
        domain: domain!,
        hostname: str(v, "hostname") ?? `mail.${domain}`,
        selector: str(v, "selector"),
        ipv4: v.ipv4 as string[] | undefined,
        ipv6: v.ipv6 as string[] | undefined,
        config: str(v, "config"),
        dir: str(v, "dir"),
      });
    },
  },
];
