import type { AppContext, Handler } from '../http/context.js';
import { HttpProblem, OVERLOAD_DETAIL, OVERLOAD_RETRY_AFTER_SECONDS } from '../http/problem.js';
import type { Logger } from '../logger.js';
import { refusalEpisodes } from './refusal-episodes.js';

export interface InFlightLimit {
  /** Runs `handle` if fewer than the limit are running, else throws a 503 + Retry-After problem. */
  run(handle: Handler, ctx: AppContext): Promise<void>;
}

/**
 * The in-flight limit, a plain counter: past `maxInFlight` concurrent requests being handled, answer 503 +
 * Retry-After at once instead of queueing work and memory. The router runs it after a route's body reader,
 * so only requests whose body has arrived hold a slot. (Shedding on event-loop saturation, which sees the
 * queue this counter cannot, happens earlier: `shedWhenOverloaded`.) Refusals are counted by the request
 * metrics (status 503) and logged once per episode.
 */
export function createInFlightLimit(maxInFlight: number, logger: Logger): InFlightLimit {
  let inFlight = 0;
  const episodes = refusalEpisodes({
    onStart: () => logger.warn({ maxInFlight }, 'in-flight limit reached: answering 503 to new requests'),
    onEnd: (refused) =>
      logger.info({ maxInFlight, refused }, 'in-flight limit: no request refused for a second'),
  });
  return {
    async run(handle, ctx) {
      if (inFlight >= maxInFlight) {
        episodes.record();
        throw new HttpProblem(503, OVERLOAD_DETAIL, { 'Retry-After': OVERLOAD_RETRY_AFTER_SECONDS });
      }
      inFlight++;
      try {
        await handle(ctx);
      } finally {
        inFlight--;
      }
    },
  };
}
