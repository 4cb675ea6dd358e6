import type { RequestListener } from 'node:http';
import Koa from 'koa';
import type { Registry } from 'prom-client';
import type { Clock } from '../domain/clock.js';
import type { DrainState } from '../lifecycle/draining.js';
import type { StoreStatus } from '../lifecycle/store-status.js';
import type { Logger } from '../logger.js';
import { type LoadSignal, NEVER_OVERLOADED } from '../overload/event-loop-load.js';
import { createInFlightLimit } from '../overload/in-flight-limit.js';
import { shedWhenOverloaded } from '../overload/load-shedding.js';
import type { UserRepository } from '../store/repository.js';
import { isClientDisconnect } from './client-errors.js';
import type { AppState } from './context.js';
import { helloRoute } from './hello.js';
import { type HttpMetrics, metricsRoute } from './metrics.js';
import { observe } from './observe.js';
import { openApiRoute } from './openapi.js';
import { livezRoute, readyzRoute } from './probes.js';
import type { RequestLog } from './request-log.js';
import { createRouter, overloadExemptPaths, type RoutingTable, unroutedRequests } from './routes.js';

/** What both listeners' apps share: one log, one set of request metrics, one drain state, one store status. */
export interface CommonDependencies {
  logger: Logger;
  /** The request metrics (`createHttpMetrics`), shared by both listeners. */
  metrics: HttpMetrics;
  /** The one log line per request (`createRequestLog`). */
  requestLog: RequestLog;
  drainState: DrainState;
  storeStatus: StoreStatus;
}

export interface ApiAppDependencies extends CommonDependencies {
  repository: UserRepository;
  clock: Clock;
  /** Where `http_requests_shed_total` is registered. */
  registry: Registry;
  /** Concurrent requests on protected routes beyond this get 503 + Retry-After. */
  maxInFlight: number;
  /** While this reports overload, a share of requests (never overload-exempt routes) get 503 + Retry-After. Default: never. */
  load?: LoadSignal;
}

export interface ManagementAppDependencies extends CommonDependencies {
  /** Served at `/metrics`. */
  registry: Registry;
}

/** Koa with the request-scoped middleware, the router for `table`, and 404/405 for what it does not route. */
function koaApp(
  table: RoutingTable,
  common: CommonDependencies,
  api?: { maxInFlight: number },
): Koa<AppState> {
  const { logger, metrics, requestLog, drainState, storeStatus } = common;
  const router = createRouter(
    table,
    api === undefined ? undefined : createInFlightLimit(api.maxInFlight, logger),
  );
  const app = new Koa<AppState>();
  // Errors are answered and logged by `answerProblem` (through `observe`); Koa's own stderr printing would duplicate them.
  app.silent = true;
  app.on('error', (error: unknown) => {
    // A client that disconnects mid-request is not an error of ours; node's socket errors come here too.
    if (isClientDisconnect(error)) logger.debug({ code: (error as { code?: unknown }).code }, 'client gone');
    else logger.error({ err: error }, 'unhandled error in response');
  });
  const inFlight = api === undefined ? undefined : metrics.apiInFlight;
  app.use(observe({ metrics, requestLog, logger, drainState, storeStatus, inFlight }));
  app.use(router.routes());
  app.use(unroutedRequests);
  return app;
}

/**
 * The API listener (`PORT`): `/hello/:username`, `/openapi.json` and `/readyz` (the load balancer's health
 * check goes through the listener the traffic uses). Load shedding in front of Koa, the in-flight limit in
 * the protected routes. Everything it needs comes in, so tests can swap the store, the clock and the state.
 */
export function createApiApp(dependencies: ApiAppDependencies): RequestListener {
  const { repository, clock, drainState, storeStatus, registry, maxInFlight } = dependencies;
  const table: RoutingTable = {
    routes: [helloRoute({ repository, clock }), openApiRoute, readyzRoute({ drainState, storeStatus })],
  };
  const app = koaApp(table, dependencies, { maxInFlight });
  // In front of Koa, so a saturated process spends next to nothing on requests it refuses.
  const shedding = shedWhenOverloaded({
    load: dependencies.load ?? NEVER_OVERLOADED,
    exemptPaths: overloadExemptPaths(table),
    registry,
    drainState,
  });
  return shedding(app.callback());
}

/**
 * The management listener (`MANAGEMENT_PORT`): `/livez`, `/readyz` and `/metrics` only, for the kubelet and
 * Prometheus. No overload protection: its own small connection cap keeps it reachable while the API
 * listener is at its cap.
 */
export function createManagementApp(dependencies: ManagementAppDependencies): RequestListener {
  const { drainState, storeStatus, registry } = dependencies;
  const table: RoutingTable = {
    routes: [livezRoute, readyzRoute({ drainState, storeStatus }), metricsRoute(registry)],
  };
  return koaApp(table, dependencies).callback();
}
