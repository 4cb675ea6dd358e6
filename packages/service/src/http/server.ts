import { createServer, type RequestListener, type Server } from 'node:http';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { type RefusalEpisodes, refusalEpisodes } from '../overload/refusal-episodes.js';
import { answerClientErrors, refuseExpectation, requireHost } from './client-errors.js';
import { ServiceResponse } from './response-head.js';

/** How long a connection may take for what, and how many a listener holds at once. */
export interface ServerLimits {
  /** New sockets beyond this many open ones are closed at once (node:http's `maxConnections`). */
  readonly maxConnections: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** A request's headers must have arrived this long after its first byte (or after the connection opened). */
  readonly headersTimeoutMs: number;
  /** The whole request, body included, must have arrived within this (408 problem+json otherwise). */
  readonly requestTimeoutMs: number;
}

/** The API listener's limits; the reasons are in docs/service-http.md ("Limits"). */
export function apiLimits(config: {
  maxConnections: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}): ServerLimits {
  return {
    maxConnections: config.maxConnections,
    // Above the AWS ALB's 60 s idle timeout, so the load balancer, never the server, closes an idle
    // connection (otherwise it may reuse a socket we just closed: a 502).
    keepAliveTimeoutMs: 65_000,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
  };
}

/**
 * The management listener: the kubelet's probes (a new connection each) and a scrape or two, so a small cap;
 * separate from the API's, so probes get through while the API listener is at its cap.
 */
export const MANAGEMENT_LIMITS: ServerLimits = {
  maxConnections: 32,
  keepAliveTimeoutMs: 5_000,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
};

/** node:http checks its timeouts on a timer: every half of the shorter one, at most every 5 s (default 30 s). */
function checkingIntervalMs(limits: ServerLimits): number {
  return Math.min(5_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 2));
}

/** What the listeners report about connections and protocol errors: metrics, and logs of state changes. */
export interface ServerObservers {
  clientError(listener: string, code: string): void;
  connectionRefused(listener: string, maxConnections: number): void;
}

export function createServerObservers(registry: Registry, logger: Logger): ServerObservers {
  const clientErrors = new Counter({
    name: 'http_client_errors_total',
    help: 'Connections answered or closed by node:http for a client error (bad framing, timeout, headers too large, disconnect), by code',
    labelNames: ['listener', 'code'] as const,
    registers: [registry],
  });
  const refused = new Counter({
    name: 'http_connections_refused_total',
    help: 'New connections closed at once because the listener held its maximum',
    labelNames: ['listener'] as const,
    registers: [registry],
  });
  const episodes = new Map<string, RefusalEpisodes>();
  return {
    clientError(listener, code) {
      clientErrors.inc({ listener, code });
      // Per connection, so debug only: a client can cause as many as it likes.
      logger.debug({ listener, code }, 'client error');
    },
    connectionRefused(listener, maxConnections) {
      refused.inc({ listener });
      let episode = episodes.get(listener);
      if (episode === undefined) {
        episode = refusalEpisodes({
          onStart: () =>
            logger.warn({ listener, maxConnections }, 'connection cap reached: new connections are closed'),
          onEnd: (count) =>
            logger.info({ listener, refused: count }, 'connection cap: no connection refused for a second'),
        });
        episodes.set(listener, episode);
      }
      episode.record();
    },
  };
}

/**
 * A node:http server with `limits`, the security headers on every response, answering node's own errors (bad framing, missing Host, timeouts, too
 * large headers, unmet `Expect`) as problem+json. `Expect: 100-continue` requests reach `listener` without
 * node's automatic "100 Continue": the body reader sends it once the request has passed its checks.
 */
export function createHttpServer(
  name: string,
  listener: RequestListener,
  limits: ServerLimits,
  observers: ServerObservers,
): Server {
  const serve = requireHost(listener);
  const server = createServer(
    {
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs(limits),
      requireHostHeader: false,
      ServerResponse: ServiceResponse,
    },
    serve,
  );
  server.maxConnections = limits.maxConnections;
  server.on('checkContinue', serve);
  server.on('checkExpectation', refuseExpectation);
  server.on(
    'clientError',
    answerClientErrors((code) => observers.clientError(name, code)),
  );
  server.on('drop', () => observers.connectionRefused(name, limits.maxConnections));
  return server;
}

/** Resolves with the bound port once listening; `port` 0 lets the OS choose. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
