/**
 * The built-in route files. A route file exports a {@link RouteModule}: given the API's deps, it
 * returns its methods. Adding a resource is one file plus one line here (or, for methods built
 * by another module, passing them as `deps.methods`); there is no switch to edit.
 */
import type { ApiDeps } from "../deps.js";
import type { ApiMethod } from "../registry.js";
import { apiKeyRoutes } from "./api-keys.js";
import { messageChangeRoutes } from "./message-change.js";
import { messageListRoutes } from "./message-list.js";
import { messageReadRoutes } from "./message-read.js";
import { messageSearchRoutes } from "./message-search.js";
import { preferenceRoutes } from "./preferences.js";
import { queueRoutes } from "./queue.js";
import { sendRoutes } from "./send.js";
import { suppressionRoutes } from "./suppressions.js";

/** A route file's export: the methods of one resource. */
export type RouteModule = (deps: ApiDeps) => ApiMethod[];

/** Every built-in route file, mox's methods and Postwire's extensions. */
export const builtinRoutes: readonly RouteModule[] = [sendRoutes, suppressionRoutes, messageReadRoutes, messageChangeRoutes, messageListRoutes, messageSearchRoutes, queueRoutes, preferenceRoutes, apiKeyRoutes];
