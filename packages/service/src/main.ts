/**
 * The composition root: config → logger → store → app → server → shutdown signals.
 * Start-up failures print one clear line and exit 1.
 */
import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { type Config, ConfigError, loadConfig } from './config.js';
import { systemClock } from './domain/clock.js';
import { createApp } from './http/app.js';
import { createHttpServer, listen } from './http/server.js';
import { createDrainState } from './lifecycle/draining.js';
import { gracefulShutdown } from './lifecycle/graceful-shutdown.js';
import { createLogger, type Logger } from './logger.js';
import { cgroupThrottledTime } from './overload/cpu-throttling.js';
import { monitorEventLoopLoad, NEVER_OVERLOADED } from './overload/event-loop-load.js';
import { openStore } from './store/open-store.js';

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

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

async function start(config: Config, logger: Logger): Promise<void> {
  const repository = await openStore(config, logger);
  const drainState = createDrainState();
  const app = createApp({
    repository,
    clock: systemClock,
    logger,
    drainState,
    registry: new Registry(),
    maxInFlight: config.maxInFlight,
    load:
      config.maxEventLoopDelayMs > 0
        ? monitorEventLoopLoad({
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
          })
        : NEVER_OVERLOADED,
  });
  const server = createHttpServer(app);
  const onSignal = gracefulShutdown({
    server,
    drainState,
    closeStore: () => repository.close(),
    logger,
    delayMs: config.shutdownDelayMs,
    timeoutMs: config.shutdownTimeoutMs,
    exit: (code) => process.exit(code),
  });
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  const port = await listen(server, config.port, config.host);
  logger.info(
    { host: config.host, port, store: config.store, startupMs: Math.round(performance.now()) },
    `listening on ${config.host}:${port}`,
  );
  // Log lines are batched (logger.ts); this one is what people and scripts wait for.
  logger.flush();
}

const config = configOrExit();
const logger = createLogger(config.logLevel);
process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception');
  process.exit(1);
});
process.on('unhandledRejection', (error) => {
  logger.fatal({ err: error }, 'unhandled promise rejection');
  process.exit(1);
});
try {
  await start(config, logger);
} catch (error) {
  logger.fatal({ store: config.store, error: reason(error) }, `start-up failed: ${reason(error)}`);
  process.exit(1);
}
