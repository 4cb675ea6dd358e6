import type { Middleware } from 'koa';
import type { AppState } from './context.js';
import { HttpProblem, OVERLOAD_DETAIL, OVERLOAD_RETRY_AFTER_SECONDS } from './problem.js';

/**
 * Runs the handler of the route `observe` resolved: 404 for an unknown path, 405 + Allow for a method the
 * route lacks (HEAD runs the GET handler; Koa drops the body).
 *
 * Also the overload guard, a plain counter: past `maxInFlight` concurrent guarded requests, answer 503 +
 * Retry-After at once instead of queueing work and memory. Health and metrics routes are not counted, so
 * probes keep working under load (a failing liveness probe would restart a pod that is merely busy).
 * One middleware rather than two keeps a Koa layer off the hot path. (Shedding on event-loop saturation,
 * which sees the queue this counter cannot, happens earlier: `shedWhenOverloaded`.)
 */
export function dispatch(maxInFlight: number): Middleware<AppState> {
  let inFlight = 0;
  return async function dispatch(ctx) {
    const route = ctx.state.route;
    if (route !== undefined && !route.guarded) return runHandler(ctx);
    if (inFlight >= maxInFlight) {
      throw new HttpProblem(503, OVERLOAD_DETAIL, { 'Retry-After': OVERLOAD_RETRY_AFTER_SECONDS });
    }
    inFlight++;
    try {
      await runHandler(ctx);
    } finally {
      inFlight--;
    }
  };
}

async function runHandler(ctx: Parameters<Middleware<AppState>>[0]): Promise<void> {
  const route = ctx.state.route;
  if (route === undefined) throw new HttpProblem(404, `no route for ${ctx.path}`);
  const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
  const handler = method === 'GET' || method === 'PUT' ? route.handlers[method] : undefined;
  if (handler === undefined) {
    throw new HttpProblem(405, `${ctx.method} is not allowed on ${route.template}`, { Allow: route.allow });
  }
  await handler(ctx);
}
