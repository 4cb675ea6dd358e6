import { performance } from 'node:perf_hooks';
import type { Middleware } from 'koa';
import type { Readiness } from '../lifecycle/readiness.js';
import type { Logger } from '../logger.js';
import type { AppState } from './context.js';
import type { HttpMetrics } from './metrics.js';
import { requestIdFrom } from './request-id.js';
import type { RouteTable } from './routes.js';
import { SECURITY_HEADERS } from './security-headers.js';

const UNMATCHED_ROUTE = 'unmatched';

export interface ObserveDependencies {
  routes: RouteTable;
  metrics: HttpMetrics;
  logger: Logger;
  readiness: Readiness;
}

/**
 * The first Koa middleware (shed requests never reach Koa; `http_requests_shed_total` counts them):
 * resolves the route (so every other response, in-flight overload rejections included, gets a bounded
 * route label), stamps the request id and the fixed headers, then records one metric sample and one log
 * line per request. Headers go straight to `res.setHeader`, skipping Koa's per-call normalisation.
 */
export function observe({ routes, metrics, logger, readiness }: ObserveDependencies): Middleware<AppState> {
  return async function observe(ctx, next) {
    const startedAt = performance.now();
    const route = routes.resolve(ctx.path);
    const requestId = requestIdFrom(ctx.req.headers['x-request-id']);
    ctx.state.route = route;
    ctx.state.requestId = requestId;
    const res = ctx.res;
    for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
    res.setHeader('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      // Checked once the handler is done (Koa writes the head after this), so a request that began before
      // the shutdown signal also closes its connection: clients move to another replica.
      if (readiness.draining && !res.headersSent) res.setHeader('Connection', 'close');
      const durationMs = performance.now() - startedAt;
      const label = route === undefined ? UNMATCHED_ROUTE : route.template;
      const status = ctx.status;
      metrics.observe(ctx.method, label, status, durationMs / 1000);
      logger.info(
        {
          requestId,
          method: ctx.method,
          route: label,
          status,
          durationMs: Math.round(durationMs * 1000) / 1000,
        },
        'request',
      );
    }
  };
}
