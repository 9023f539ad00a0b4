/**
 * Metrics: one Prometheus registry per app (prom-client) with the observation points the
 * modules call (SMTP replies, accepts, delivery and webhook attempts, failed logins, commits)
 * and gauges computed at scrape time from injected sources (queue, stream, pool). It serves
 * nothing itself: app/ exposes `render()` on /metrics. Metric names are listed in docs/operations.md.
 */
export { createMetrics, disabledMetrics, type Metrics, type QueueStat, type ScrapeSources } from "./registry.js";
