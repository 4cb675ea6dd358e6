import type { RequestListener } from 'node:http';
import Koa from 'koa';
import type { Registry } from 'prom-client';
import type { Clock } from '../domain/clock.js';
import { type LoadSignal, NEVER_OVERLOADED } from '../lifecycle/event-loop-load.js';
import type { Readiness } from '../lifecycle/readiness.js';
import type { Logger } from '../logger.js';
import type { UserRepository } from '../store/repository.js';
import type { AppState } from './context.js';
import { dispatch } from './dispatch.js';
import { livez, readyzHandler } from './health.js';
import { helloHandlers } from './hello.js';
import { shedWhenOverloaded } from './load-shedding.js';
import { createHttpMetrics, metricsHandler } from './metrics.js';
import { observe } from './observe.js';
import { openApi } from './openapi.js';
import { problemResponses } from './problem.js';
import { createRouteTable } from './routes.js';

export interface AppDependencies {
  repository: UserRepository;
  clock: Clock;
  logger: Logger;
  readiness: Readiness;
  /** A fresh registry per app; the app registers its HTTP and default process metrics on it. */
  registry: Registry;
  /** Concurrent requests beyond this get 503 + Retry-After. */
  maxInFlight: number;
  /** While this reports overload, a share of requests (never probes or `/metrics`) get 503 + Retry-After. Default: never. */
  load?: LoadSignal;
  /** `/readyz` reports the store down when its ping takes longer. Default 1000 ms. */
  readinessPingTimeoutMs?: number;
}

/**
 * Builds the app as a node:http request listener: load shedding in front, then Koa. Everything it needs
 * comes in, so tests can swap the store, the clock and the state.
 */
export function createApp(dependencies: AppDependencies): RequestListener {
  const { repository, clock, logger, readiness, registry, maxInFlight } = dependencies;
  const hello = helloHandlers({ repository, clock });
  const routes = createRouteTable([
    { template: '/hello/:username', handlers: { GET: hello.get, PUT: hello.put }, guarded: true },
    { template: '/livez', handlers: { GET: livez }, guarded: false },
    {
      template: '/readyz',
      handlers: {
        GET: readyzHandler({
          repository,
          readiness,
          pingTimeoutMs: dependencies.readinessPingTimeoutMs ?? 1000,
        }),
      },
      guarded: false,
    },
    { template: '/metrics', handlers: { GET: metricsHandler(registry) }, guarded: false },
    { template: '/openapi.json', handlers: { GET: openApi }, guarded: false },
  ]);

  const app = new Koa<AppState>();
  // Errors are answered and logged by `problemResponses`; Koa's own stderr printing would duplicate them.
  app.silent = true;
  app.on('error', (error: unknown) => logger.error({ err: error }, 'unhandled error in response'));
  app.use(observe({ routes, metrics: createHttpMetrics(registry), logger, readiness }));
  app.use(problemResponses(logger));
  app.use(dispatch(maxInFlight));
  // In front of Koa, so a saturated process spends next to nothing on requests it refuses.
  const shedding = shedWhenOverloaded(dependencies.load ?? NEVER_OVERLOADED, registry, readiness);
  return shedding(app.callback());
}
