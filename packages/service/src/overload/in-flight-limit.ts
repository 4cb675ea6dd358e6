import type { Middleware } from 'koa';
import { HttpProblem, OVERLOAD_DETAIL, OVERLOAD_RETRY_AFTER_SECONDS } from '../http/problem.js';

/**
 * The in-flight limit, a plain counter: past `maxInFlight` concurrent requests being handled, answer 503 +
 * Retry-After at once instead of queueing work and memory. It sits in each protected route's chain after
 * the body reader, so only requests whose body has arrived hold a slot. (Shedding on event-loop
 * saturation, which sees the queue this counter cannot, happens earlier: `shedWhenOverloaded`.)
 */
export function limitInFlight(maxInFlight: number): Middleware {
  let inFlight = 0;
  return async function limitInFlight(_ctx, next) {
    if (inFlight >= maxInFlight) {
      throw new HttpProblem(503, OVERLOAD_DETAIL, { 'Retry-After': OVERLOAD_RETRY_AFTER_SECONDS });
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
}
