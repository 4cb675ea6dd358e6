import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  type Attributes,
  type ContextManager,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { HttpMetrics } from '../http/metrics.js';

// The methods the HTTP semantic conventions name; any other is reported as `_OTHER` (bounded cardinality).
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
]);

export interface HttpSpanDependencies {
  readonly tracer: Tracer;
  readonly contextManager: ContextManager;
  /** Reads the caller's W3C `traceparent`/`tracestate`, which becomes the server span's parent. */
  readonly propagator: TextMapPropagator;
  /** Paths that get no span (health checks: frequent, and nothing anyone looks for in a trace). */
  readonly untracedPaths: ReadonlySet<string>;
}

function splitUrl(url: string | undefined): { path: string; query: string | undefined } {
  const raw = url ?? '';
  const at = raw.indexOf('?');
  return at === -1 ? { path: raw, query: undefined } : { path: raw.slice(0, at), query: raw.slice(at + 1) };
}

/** `Host` split into name and port (semantic conventions: server.address / server.port). */
function hostParts(host: string | undefined): Attributes {
  if (host === undefined || host === '') return {};
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (match === null) return {};
  const [, name, port] = match;
  return port === undefined
    ? { [ATTR_SERVER_ADDRESS]: name }
    : { [ATTR_SERVER_ADDRESS]: name, [ATTR_SERVER_PORT]: Number(port) };
}

/** The original client: the first `X-Forwarded-For` entry (the load balancer appends), else the socket's peer. */
function clientAddress(req: IncomingMessage): string | undefined {
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return first === undefined || first === '' ? req.socket.remoteAddress : first;
}

function requestAttributes(
  req: IncomingMessage,
  method: string,
  path: string,
  query: string | undefined,
): Attributes {
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_SCHEME]: 'http',
    [ATTR_URL_PATH]: path,
    [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
    [ATTR_NETWORK_PEER_ADDRESS]: req.socket.remoteAddress,
    [ATTR_NETWORK_PEER_PORT]: req.socket.remotePort,
    [ATTR_CLIENT_ADDRESS]: clientAddress(req),
    [ATTR_USER_AGENT_ORIGINAL]: req.headers['user-agent'],
    ...hostParts(req.headers.host),
  };
  if (query !== undefined) attributes[ATTR_URL_QUERY] = query;
  if (method === '_OTHER') attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = req.method;
  return attributes;
}

/** Ends the span when the response is done (or the connection went first), with the status the client got. */
function endWithResponse(span: ReturnType<Tracer['startSpan']>, res: ServerResponse): void {
  res.once('close', () => {
    if (res.headersSent) {
      const status = res.statusCode;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      // Server spans: 5xx is our failure, 4xx the client's (left unset, as the conventions say).
      if (status >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    span.end();
  });
}

/**
 * Wraps a request listener: each request (but `untracedPaths`) runs inside a SERVER span, the child of the
 * caller's W3C trace context when it sent one, named `METHOD` until the app names the route (`routeNaming`).
 * Applied by the composition root in front of everything, so shed requests get a span (503) too.
 */
export function traceRequests({
  tracer,
  contextManager,
  propagator,
  untracedPaths,
}: HttpSpanDependencies): (listener: RequestListener) => RequestListener {
  return (listener) =>
    function tracedRequest(req: IncomingMessage, res: ServerResponse) {
      const { path, query } = splitUrl(req.url);
      if (untracedPaths.has(path)) {
        listener(req, res);
        return;
      }
      const method = req.method !== undefined && KNOWN_METHODS.has(req.method) ? req.method : '_OTHER';
      const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
      const span = tracer.startSpan(
        method === '_OTHER' ? 'HTTP' : method,
        { kind: SpanKind.SERVER, attributes: requestAttributes(req, method, path, query) },
        parent,
      );
      endWithResponse(span, res);
      contextManager.with(trace.setSpan(parent, span), listener, undefined, req, res);
    };
}

/**
 * Wraps the request metrics: the app reports each finished request's route there (the route @koa/router
 * matched, or `unmatched`), inside the request's context, so the active server span gets `http.route`
 * and its name `METHOD route`. The one place the route is known without re-doing the routing here.
 */
export function routeNaming(contextManager: ContextManager): (metrics: HttpMetrics) => HttpMetrics {
  return (metrics) => ({
    observe(method, route, status, seconds) {
      metrics.observe(method, route, status, seconds);
      const span = trace.getSpan(contextManager.active());
      if (span === undefined || route === 'unmatched') return;
      span.setAttribute(ATTR_HTTP_ROUTE, route);
      if (KNOWN_METHODS.has(method)) span.updateName(`${method} ${route}`);
    },
  });
}
