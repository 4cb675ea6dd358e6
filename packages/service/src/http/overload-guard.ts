import type { Middleware } from 'koa';
import type { AppState } from './context.js';
import { HttpProblem } from './problem.js';

/**
 * Sheds load with a plain counter: past `maxInFlight` concurrent requests, answer 503 + Retry-After at once
 * instead of queueing work and memory. Health and metrics routes are not counted, so probes keep working
 * (a liveness failure under load would restart a busy pod).
 */
export function overloadGuard(maxInFlight: number): Middleware<AppState> {
  let inFlight = 0;
  return async function overloadGuard(ctx, next) {
    if (ctx.state.route !== undefined && !ctx.state.route.guarded) return next();
    if (inFlight >= maxInFlight) {
      throw new HttpProblem(503, 'the server is overloaded, retry shortly', { 'Retry-After': '1' });
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
}
