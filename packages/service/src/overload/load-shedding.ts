import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Counter, type Registry } from 'prom-client';
import { bodyLeftUnread } from '../http/connection.js';
import {
  OVERLOAD_DETAIL,
  OVERLOAD_RETRY_AFTER_SECONDS,
  PROBLEM_CONTENT_TYPE,
  problemBody,
} from '../http/problem.js';
import { requestIdFrom } from '../http/request-id.js';
import { stampRequestId } from '../http/response-head.js';
import type { DrainState } from '../lifecycle/draining.js';
import type { LoadSignal } from './event-loop-load.js';

const SHED_BODY = problemBody(503, OVERLOAD_DETAIL);

// Built once: a shed answer must cost next to nothing, or shedding itself keeps the CPU saturated. (The
// security headers are in every response head the server writes: `ServiceResponse`.)
const SHED_HEADERS: Record<string, string> = {
  'Content-Type': PROBLEM_CONTENT_TYPE,
  'Content-Length': String(Buffer.byteLength(SHED_BODY)),
  'Retry-After': OVERLOAD_RETRY_AFTER_SECONDS,
};

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

export interface SheddingDependencies {
  load: LoadSignal;
  /** Paths never shed: the routes declared overload-exempt (`overloadExemptPaths`). */
  exemptPaths: ReadonlySet<string>;
  registry: Registry;
  drainState: DrainState;
}

/**
 * Wraps the app's request listener: for the share of requests `load` says to refuse, answer 503
 * problem+json straight from node:http — before Koa builds a context, before routing, body parsing, the
 * per-request log line and the latency metric. A shed answer costs about a third of a served one (measured:
 * docs/ha.md); in Koa middleware it cost over half, too much to refuse three times the capacity. Shed
 * requests are counted in `http_requests_shed_total`; the state change is logged by the load monitor's owner.
 */
export function shedWhenOverloaded({
  load,
  exemptPaths,
  registry,
  drainState,
}: SheddingDependencies): (listener: RequestListener) => RequestListener {
  const shed = new Counter({
    name: 'http_requests_shed_total',
    help: 'Requests answered 503 at once because the event loop was saturated',
    registers: [registry],
  });
  return (listener) =>
    function shedWhenOverloaded(req: IncomingMessage, res: ServerResponse) {
      // The load check first: while not shedding (nearly always) it is one comparison, and no path lookup.
      if (!load.shouldShed() || exemptPaths.has(pathOf(req.url))) {
        listener(req, res);
        return;
      }
      shed.inc();
      stampRequestId(res, requestIdFrom(req.headers['x-request-id']));
      // Like every other response while draining (the client moves to another replica), or when a body is
      // refused unread (node:http would otherwise read and discard all of it).
      if (drainState.draining || bodyLeftUnread(req)) res.setHeader('Connection', 'close');
      res.writeHead(503, SHED_HEADERS).end(SHED_BODY);
    };
}
