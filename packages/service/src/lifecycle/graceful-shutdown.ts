import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import type { DrainState } from './draining.js';

export interface GracefulShutdownDependencies {
  /** The API listener: drained. */
  server: Server;
  /** The management listener: kept open while the API drains (probes and scrapes), then closed. */
  managementServer: Server;
  drainState: DrainState;
  closeStore: () => Promise<void>;
  logger: Logger;
  /** Keep serving this long after the signal, while load balancers notice `/readyz` = 503. */
  delayMs: number;
  /** After the delay, draining and closing the store may take this long before connections are cut. */
  timeoutMs: number;
  exit: (code: number) => void;
}

/**
 * Returns the signal handler. Hand-written on Node's own `server.close()`,
 * `closeIdleConnections()` and `closeAllConnections()`, which cover what http-terminator did (and that
 * library is unmaintained); the one thing they do not do, marking in-flight responses `Connection: close`,
 * is done by the request middleware while `drainState.draining` is set.
 *
 * Phases: not ready (at once) → keep serving for `delayMs` → stop accepting, close idle keep-alive
 * sockets, let in-flight requests finish → close the management listener → close the store → exit 0. Past `timeoutMs` of draining, cut
 * every connection and exit 1. A second signal exits 1 at once.
 */
export function gracefulShutdown(dependencies: GracefulShutdownDependencies): (signal: string) => void {
  const { server, managementServer, drainState, closeStore, logger, delayMs, timeoutMs, exit } = dependencies;
  let started = false;

  async function drain(signal: string): Promise<void> {
    drainState.draining = true;
    logger.info({ signal, delayMs }, 'shutdown: readiness now 503, still serving during the delay');
    // Log lines are batched; each phase is written at once, for the people and scripts watching.
    logger.flush();
    await sleep(delayMs);

    logger.info({ timeoutMs }, 'shutdown: no longer accepting connections, draining in-flight requests');
    logger.flush();
    const forceExit = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown: drain timed out, closing all connections');
      server.closeAllConnections();
      managementServer.closeAllConnections();
      exit(1);
    }, timeoutMs);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    // Probes and scrapes are short and idempotent: cut what is left.
    const managementClosed = new Promise<void>((resolve) => managementServer.close(() => resolve()));
    managementServer.closeAllConnections();
    await managementClosed;

    logger.info('shutdown: all connections closed, closing the store');
    try {
      await closeStore();
    } catch (error) {
      clearTimeout(forceExit);
      logger.error({ err: error }, 'shutdown: closing the store failed');
      exit(1);
      return;
    }
    clearTimeout(forceExit);
    logger.info('shutdown: complete');
    exit(0);
  }

  return function onSignal(signal) {
    if (started) {
      logger.warn({ signal }, 'shutdown: second signal, exiting now');
      exit(1);
      return;
    }
    started = true;
    void drain(signal);
  };
}
