import { STATUS_CODES } from 'node:http';
import type { StoreStatus } from '../lifecycle/store-status.js';
import type { Logger } from '../logger.js';
import { StoreUnavailableError } from '../store/repository.js';
import type { AppContext } from './context.js';

/** An error the client should see as `application/problem+json` (RFC 9457). */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(detail);
  }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Said to a client refused for overload, by the in-flight counter and by load shedding alike. */
export const OVERLOAD_DETAIL = 'the server is overloaded, retry shortly';
export const OVERLOAD_RETRY_AFTER_SECONDS = '1';

/** The problem+json body for `status`; the one place its shape is written. */
export function problemBody(status: number, detail: string): string {
  return JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail });
}

/** Seconds a client should wait before retrying when the store is down (a database failover takes a while). */
const STORE_RETRY_AFTER_SECONDS = '5';

export interface ProblemDependencies {
  logger: Logger;
  storeStatus: Pick<StoreStatus, 'reportUnavailable'>;
}

/**
 * The one place that turns errors into responses (the first middleware, `observe`, hands it every error):
 * known problems keep their status, client errors raised by libraries (body parser) keep their 4xx, a store
 * outage is 503 + Retry-After, anything else is a bug: 500, logged with its stack, never shown to the client.
 * Only bugs are logged here: the 503s of an overload or an outage are counted by the request metrics, and a
 * store outage is logged once, as a change of `storeStatus`, not once per request (when the process has the
 * least to spare).
 */
export function answerProblem(
  ctx: AppContext,
  error: unknown,
  { logger, storeStatus }: ProblemDependencies,
): void {
  const problem = toProblem(error);
  if (error instanceof StoreUnavailableError) storeStatus.reportUnavailable(error.message);
  else if (problem.status === 500) {
    logger.error({ err: error, requestId: ctx.state.requestId }, 'request failed');
  }
  ctx.status = problem.status;
  if (problem.headers !== undefined) ctx.set(problem.headers);
  ctx.type = PROBLEM_CONTENT_TYPE;
  ctx.body = problemBody(problem.status, problem.detail);
}

function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof StoreUnavailableError) {
    return new HttpProblem(503, 'the data store is unavailable, retry later', {
      'Retry-After': STORE_RETRY_AFTER_SECONDS,
    });
  }
  const status = clientErrorStatus(error);
  if (status !== undefined) return new HttpProblem(status, (error as Error).message);
  return new HttpProblem(500, 'an unexpected error occurred');
}

/** The status of an http-errors style client error that is safe to expose, else `undefined`. */
function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  if (typeof status === 'number' && status >= 400 && status < 500 && expose !== false) return status;
  return undefined;
}
