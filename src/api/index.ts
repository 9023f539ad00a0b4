/**
 * api: the webapi v0 at /webapi/ (hono, compatible with mox's): routing, basic auth with the shared
 * failed-auth limiter, strict request decoding, the 12 mox methods plus extensions, form pages.
 * It does not compose, store or deliver mail itself (message/, store/, delivery/ do).
 * Invariants: dispatch only through the method Map; every failure is one mapped answer;
 * bodies are size-capped before they are read; success JSON never has `null` lists or maps.
 */
export { createApi, apiMethods } from "./app.js";
export type { ApiDeps, DeliveryApi } from "./deps.js";
export {
  defineMethod,
  createRegistry,
  bytesResponse,
  type ApiMethod,
  type MethodDefinition,
  type MethodRegistry,
  type CallContext,
  type UploadedFile,
  type BytesResult,
} from "./registry.js";
export type { RouteModule } from "./routes/index.js";
export { t, type Infer, type AnyWireType, type AnyStructType } from "./wire.js";
export { ApiError, apiErrorCodes, type ApiErrorCode } from "./errors.js";
export { exampleJson } from "./example.js";
export { eventRoutes, connectionUri, type EventMethodsApi, type EventRouteOptions } from "./routes/events.js";
export { webhookRoutes } from "./routes/webhooks.js";
export { pushRoutes, type PushMethodsApi } from "./routes/push.js";
