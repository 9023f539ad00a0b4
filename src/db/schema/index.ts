// All tables, one file per owning module. drizzle-kit reads this folder (drizzle.config.ts).
export * from "./store.js";
export * from "./events.js";
export * from "./queue.js";
export * from "./delivery.js";
export * from "./websocket.js";
export * from "./webhooks.js";
export * from "./sender.js";
export * from "./dkim.js";
export * from "./push.js";
export * from "./search.js";
export * from "./secrets.js";
export * from "./api-keys.js";
