import type { RequestListener } from 'node:http';
import Koa from 'koa';
import type { Registry } from 'prom-client';
import type { Clock } from '../domain/clock.js';
import type { DrainState } from '../lifecycle/draining.js';
import type { Logger } from '../logger.js';
import { type LoadSignal, NEVER_OVERLOADED } from '../overload/event-loop-load.js';
import { limitInFlight } from '../overload/in-flight-limit.js';
import { shedWhenOverloaded } from '../overload/load-shedding.js';
import type { UserRepository } from '../store/repository.js';
import type { AppState } from './context.js';
import { helloRoute, usernameParameter } from './hello.js';
import { createHttpMetrics, metricsRoute } from './metrics.js';
import { observe } from './observe.js';
import { openApiRoute } from './openapi.js';
import { livezRoute, readyzRoute } from './probes.js';
import { problemResponses } from './problem.js';
import { createRouter, overloadExemptPaths, type RoutingTable, unroutedRequests } from './routes.js';

export interface AppDependencies {
  repository: UserRepository;
  clock: Clock;
  logger: Logger;
  drainState: DrainState;
  /** A fresh registry per app; the app registers its HTTP and default process metrics on it. */
  registry: Registry;
  /** Concurrent requests beyond this get 503 + Retry-After. */
  maxInFlight: number;
  /** While this reports overload, a share of requests (never overload-exempt routes) get 503 + Retry-After. Default: never. */
  load?: LoadSignal;
  /** `/readyz` reports the store down when its ping takes longer. Default 1000 ms. */
  readinessPingTimeoutMs?: number;
}

/**
 * Builds the app as a node:http request listener: load shedding in front, then Koa with @koa/router.
 * Everything it needs comes in, so tests can swap the store, the clock and the state.
 */
export function createApp(dependencies: AppDependencies): RequestListener {
  const { repository, clock, logger, drainState, registry, maxInFlight } = dependencies;
  const table: RoutingTable = {
    routes: [
      helloRoute({ repository, clock }),
      openApiRoute,
      livezRoute,
      readyzRoute({
        repository,
        drainState,
        pingTimeoutMs: dependencies.readinessPingTimeoutMs ?? 1000,
      }),
      metricsRoute(registry),
    ],
    params: { username: usernameParameter },
  };
  const router = createRouter(table, limitInFlight(maxInFlight));

  const app = new Koa<AppState>();
  // Errors are answered and logged by `problemResponses`; Koa's own stderr printing would duplicate them.
  app.silent = true;
  app.on('error', (error: unknown) => logger.error({ err: error }, 'unhandled error in response'));
  app.use(observe({ metrics: createHttpMetrics(registry), logger, drainState }));
  app.use(problemResponses(logger));
  app.use(router.routes());
  app.use(unroutedRequests);
  // In front of Koa, so a saturated process spends next to nothing on requests it refuses.
  const shedding = shedWhenOverloaded({
    load: dependencies.load ?? NEVER_OVERLOADED,
    exemptPaths: overloadExemptPaths(table),
    registry,
    drainState,
  });
  return shedding(app.callback());
}
