/**
 * The composition root: config → (tracing) → logger → store → app → server → shutdown signals.
 * Start-up failures print one clear line and exit 1.
 */
import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { type Config, ConfigError, loadConfig } from './config.js';
import { systemClock } from './domain/clock.js';
import { createApiApp, createManagementApp } from './http/app.js';
import { createHttpMetrics } from './http/metrics.js';
import {
  apiLimits,
  createHttpServer,
  createServerObservers,
  listen,
  MANAGEMENT_LIMITS,
} from './http/server.js';
import { createDrainState } from './lifecycle/draining.js';
import { gracefulShutdown } from './lifecycle/graceful-shutdown.js';
import { createStoreStatus } from './lifecycle/store-status.js';
import { batchedOutput, createLogger, type Logger, type LogOutput, registerLogMetrics } from './logger.js';
import { cgroupThrottledTime } from './overload/cpu-throttling.js';
import { type LoadSignal, monitorEventLoopLoad, NEVER_OVERLOADED } from './overload/event-loop-load.js';
import { openStore } from './store/open-store.js';
import type { TraceContext, Tracing } from './tracing/otel.js';

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
const EXIT_FLUSH_MS = 250;
// Spans still batched at exit get this long to reach the collector (one that is down never holds the exit).
const TRACE_FLUSH_MS = 1000;
// The load balancer's health check: frequent, and nothing anyone looks for in a trace.
const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/readyz']);

function configOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Shed load on event-loop saturation (or CPU throttling); state changes are logged, not each refusal. */
function loadSignal(config: Config, logger: Logger): LoadSignal {
  if (config.maxEventLoopDelayMs === 0) return NEVER_OVERLOADED;
  return monitorEventLoopLoad({
    maxDelayMs: config.maxEventLoopDelayMs,
    windowMs: 250,
    throttledTime: cgroupThrottledTime(),
    onChange: (overloaded, { utilization, delayMs, throttled }) => {
      const reading = {
        eventLoopUtilization: Math.round(utilization * 100) / 100,
        eventLoopDelayMs: Math.round(delayMs),
        cpuThrottled: throttled,
      };
      if (overloaded) logger.warn(reading, 'overloaded: shedding requests with 503');
      else logger.info(reading, 'load back to normal: no longer shedding');
    },
  });
}

/**
 * Tracing, only when an OTLP endpoint is configured: the OpenTelemetry packages are imported here, so an
 * untraced process never loads them. Its context comes first: the logger stamps trace ids on lines from it.
 */
async function loadTraceContext(config: Config): Promise<TraceContext | undefined> {
  if (config.tracing === undefined) return undefined;
  const { createTraceContext } = await import('./tracing/otel.js');
  return createTraceContext();
}

async function startTracing(
  config: Config,
  context: TraceContext | undefined,
  logger: Logger,
): Promise<Tracing | undefined> {
  if (config.tracing === undefined || context === undefined) return undefined;
  const { startTracing } = await import('./tracing/otel.js');
  const tracing = startTracing(config.tracing, context, logger, {
    databaseUrl: config.store === 'postgres' ? config.databaseUrl : undefined,
    untracedPaths: UNTRACED_PATHS,
  });
  const { origin, pathname } = new URL(config.tracing.tracesUrl);
  logger.info(
    { tracesUrl: `${origin}${pathname}`, protocol: config.tracing.protocol, sampler: config.tracing.sampler },
    'tracing on: exporting spans by OTLP',
  );
  return tracing;
}

async function start(
  config: Config,
  logger: Logger,
  logOutput: LogOutput,
  tracing: Tracing | undefined,
): Promise<void> {
  const repository = await openStore(config, logger, {}, tracing?.queries);
  const drainState = createDrainState();
  const registry = new Registry();
  registerLogMetrics(registry, logOutput);
  const storeStatus = createStoreStatus({ repository, logger, registry, pingTimeoutMs: 500 });
  const metrics = createHttpMetrics(registry);
  const common = { logger, metrics, drainState, storeStatus };
  const observers = createServerObservers(registry, logger);
  const api = createApiApp({
    ...common,
    metrics: tracing ? tracing.routes(metrics) : metrics,
    repository,
    clock: systemClock,
    registry,
    maxInFlight: config.maxInFlight,
    load: loadSignal(config, logger),
  });
  const server = createHttpServer('api', tracing ? tracing.requests(api) : api, apiLimits(config), observers);
  const managementServer = createHttpServer(
    'management',
    createManagementApp({ ...common, registry }),
    MANAGEMENT_LIMITS,
    observers,
  );
  const onSignal = gracefulShutdown({
    server,
    managementServer,
    drainState,
    closeStore: () => repository.close(),
    logger,
    delayMs: config.shutdownDelayMs,
    timeoutMs: config.shutdownTimeoutMs,
    // The last spans and lines get a short, bounded chance to leave; a stalled reader never holds the exit.
    exit: (code) => {
      if (tracing === undefined) exitAfterFlush(logOutput, code);
      else void tracing.shutdown(TRACE_FLUSH_MS).then(() => exitAfterFlush(logOutput, code));
    },
  });
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  const managementPort = await listen(managementServer, config.managementPort, config.host);
  const port = await listen(server, config.port, config.host);
  logger.info(
    {
      host: config.host,
      port,
      managementPort,
      store: config.store,
      startupMs: Math.round(performance.now()),
    },
    `listening on ${config.host}:${port} (management: ${managementPort})`,
  );
  // Log lines are batched (logger.ts); this one is what people and scripts wait for.
  logOutput.flush();
}

/** Flushes the log batch, waits at most `EXIT_FLUSH_MS` for stdout to take it, then exits. */
function exitAfterFlush(logOutput: LogOutput, code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_FLUSH_MS);
  logOutput.flush(() => process.exit(code));
}

const config = configOrExit();
const logOutput = batchedOutput({
  onDropsEnded: (dropped) =>
    logger.warn({ dropped }, `${dropped} log line(s) dropped: stdout was not being read`),
});
const traceContext = await loadTraceContext(config);
const logger = createLogger(config.logLevel, logOutput, traceContext?.logFields);
process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception');
  process.exit(1);
});
process.on('unhandledRejection', (error) => {
  logger.fatal({ err: error }, 'unhandled promise rejection');
  process.exit(1);
});
try {
  await start(config, logger, logOutput, await startTracing(config, traceContext, logger));
} catch (error) {
  logger.fatal({ store: config.store, error: reason(error) }, `start-up failed: ${reason(error)}`);
  process.exit(1);
}
