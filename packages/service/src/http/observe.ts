import { performance } from 'node:perf_hooks';
import type { Middleware } from 'koa';
import type { DrainState } from '../lifecycle/draining.js';
import type { Logger } from '../logger.js';
import { bodyLeftUnread } from './connection.js';
import type { AppState } from './context.js';
import type { HttpMetrics, InFlightCount } from './metrics.js';
import { answerProblem, type ProblemDependencies } from './problem.js';
import { requestIdFrom } from './request-id.js';
import type { RequestLog } from './request-log.js';
import { stampRequestId } from './response-head.js';
import { routeLabel } from './routes.js';

export interface ObserveDependencies extends ProblemDependencies {
  metrics: HttpMetrics;
  /** The one line per request. */
  requestLog: RequestLog;
  logger: Logger;
  drainState: DrainState;
  /** Where the requests being handled are counted (the API listener's `http_requests_in_flight`), if anywhere. */
  inFlight?: InFlightCount;
}

/**
 * The first Koa middleware (shed requests never reach Koa; `http_requests_shed_total` counts them): stamps
 * the request id (into the response head with the security headers: `ServiceResponse`), hands any error to `answerProblem`, then records one metric sample
 * and one log line per request, labelled with the route @koa/router matched (bounded: route paths or
 * `unmatched`). One middleware rather than three: each Koa layer costs a bound dispatch and two promises
 * per request.
 */
export function observe(dependencies: ObserveDependencies): Middleware<AppState> {
  const { metrics, requestLog, drainState } = dependencies;
  const inFlight = dependencies.inFlight ?? { value: 0 };
  return async function observe(ctx, next) {
    const startedAt = performance.now();
    inFlight.value++;
    const requestId = requestIdFrom(ctx.req.headers['x-request-id']);
    ctx.state.requestId = requestId;
    const res = ctx.res;
    stampRequestId(res, requestId);
    try {
      await next();
    } catch (error) {
      answerProblem(ctx, error, dependencies);
    } finally {
      inFlight.value--;
      // Checked once the handler is done (Koa writes the head after this): a request that began before the
      // shutdown signal also closes its connection (clients move to another replica), and so does one whose
      // body was refused unread (node:http would read and discard whatever the client keeps sending).
      if (!res.headersSent && (drainState.draining || bodyLeftUnread(ctx.req)))
        res.setHeader('Connection', 'close');
      const durationMs = performance.now() - startedAt;
      const label = routeLabel(ctx);
      const status = ctx.status;
      metrics.observe(ctx.method, label, status, durationMs / 1000);
      requestLog({
        requestId,
        method: ctx.method,
        route: label,
        status,
        durationMs: Math.round(durationMs * 1000) / 1000,
      });
    }
  };
}
