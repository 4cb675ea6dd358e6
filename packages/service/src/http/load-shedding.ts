import type { Middleware } from 'koa';
import { Counter, type Registry } from 'prom-client';
import type { LoadSignal } from '../lifecycle/event-loop-load.js';
import type { Readiness } from '../lifecycle/readiness.js';
import type { AppState } from './context.js';
import {
  OVERLOAD_DETAIL,
  OVERLOAD_RETRY_AFTER_SECONDS,
  PROBLEM_CONTENT_TYPE,
  problemBody,
} from './problem.js';
import { requestIdFrom } from './request-id.js';
import { SECURITY_HEADERS } from './security-headers.js';

// Probes and metrics are never shed: a saturated pod must not look dead or vanish from monitoring.
const NEVER_SHED = new Set(['/livez', '/readyz', '/metrics']);

const SHED_BODY = problemBody(503, OVERLOAD_DETAIL);

// Built once: a shed answer must cost next to nothing, or shedding itself keeps the CPU saturated.
const SHED_HEADERS: Record<string, string> = {
  ...Object.fromEntries(SECURITY_HEADERS),
  'Content-Type': PROBLEM_CONTENT_TYPE,
  'Content-Length': String(Buffer.byteLength(SHED_BODY)),
  'Retry-After': OVERLOAD_RETRY_AFTER_SECONDS,
};

/**
 * The outermost middleware: for the share of requests `load` says to refuse, answer 503 problem+json
 * straight away — before routing, body parsing, the per-request log line and the latency metric, which
 * is where a starved process would spend the CPU it does not have. Shed requests are counted in
 * `http_requests_shed_total`; the state change itself is logged by whoever owns the load monitor.
 */
export function shedWhenOverloaded(
  load: LoadSignal,
  registry: Registry,
  readiness: Readiness,
): Middleware<AppState> {
  const shed = new Counter({
    name: 'http_requests_shed_total',
    help: 'Requests answered 503 at once because the event loop was saturated',
    registers: [registry],
  });
  return function shedWhenOverloaded(ctx, next) {
    // The load check first: while not shedding (nearly always) it is one comparison, and no path lookup.
    if (!load.shouldShed() || NEVER_SHED.has(ctx.path)) return next();
    shed.inc();
    ctx.respond = false;
    // `writeHead` merges headers already set, so the fixed ones stay prebuilt and only the id is per request.
    ctx.res.setHeader('X-Request-Id', requestIdFrom(ctx.req.headers['x-request-id']));
    // Like every other response while draining, so the client moves to another replica.
    if (readiness.draining) ctx.res.setHeader('Connection', 'close');
    ctx.res.writeHead(503, SHED_HEADERS).end(SHED_BODY);
    return Promise.resolve();
  };
}
