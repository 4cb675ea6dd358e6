import { Counter, collectDefaultMetrics, Histogram, type Registry } from 'prom-client';
import type { RouteDeclaration } from './routes.js';

/**
 * How often prom-client's event-loop delay histogram samples. Its default, 10 ms, wakes an idle process 100
 * times a second (most of its idle CPU); 100 ms costs a tenth of that. Node's histogram records the time
 * between samples, so `nodejs_eventloop_lag_{min,…,p99}_seconds` read 0.1 s on an idle loop: the delay is the
 * value minus 0.1 s. (`nodejs_eventloop_lag_seconds`, measured at each scrape, has no such offset.)
 */
const EVENT_LOOP_SAMPLE_MS = 100;

export interface HttpMetrics {
  observe(method: string, route: string, status: number, seconds: number): void;
}

interface LabelledChildren {
  requests: { inc(): void };
  duration: { observe(seconds: number): void };
}

/**
 * Request count and latency by method, route template and status, plus the default process metrics.
 * Label children are cached: label sets are bounded (methods Node accepts, route templates + `unmatched`,
 * status codes) and prom-client would otherwise hash the labels on every request.
 */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency in seconds, by method, route template and status',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const children = new Map<string, LabelledChildren>();
  return {
    observe(method, route, status, seconds) {
      const key = `${method} ${status} ${route}`;
      let child = children.get(key);
      if (child === undefined) {
        const labels = { method, route, status: String(status) };
        child = { requests: requests.labels(labels), duration: duration.labels(labels) };
        children.set(key, child);
      }
      child.requests.inc();
      child.duration.observe(seconds);
    },
  };
}

/** `GET /metrics`: the Prometheus text exposition of `registry`. */
export function metricsRoute(registry: Registry): RouteDeclaration {
  return {
    path: '/metrics',
    overloadExempt: true,
    methods: {
      GET: {
        async handle(ctx) {
          ctx.type = registry.contentType;
          ctx.body = await registry.metrics();
        },
      },
    },
  };
}
