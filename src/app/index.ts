/**
 * The composition root: builds every module from the config and the injected replacements
 * (localserve and tests swap clock, recipient lookup, failure simulation, TLS), starts them in
 * order and stops them in reverse. Nothing imports app/ but cmd/ and localserve/.
 */
export { startApp, version, type AppOverrides, type RunningApp } from "./start.js";
export { createDkimProvider, importDataDirDkimKeys, dkimCacheTtlMs, type DkimProvider } from "./dkim.js";
export { checkServeConfig, loadServeConfig } from "./config-check.js";
