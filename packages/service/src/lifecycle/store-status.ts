import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { UserRepository } from '../store/repository.js';

export type StoreState = 'up' | 'down';

/**
 * Whether the store answers, as this process last saw it. Shown by `/readyz` (which stays 200 either way:
 * readiness says whether this process can serve, and a database outage must not empty the load balancer),
 * by the `store_up` gauge, and by one log line per change.
 */
export interface StoreStatus {
  readonly state: StoreState;
  /** Pings the store (one ping at a time, shared by concurrent callers) and returns the state it saw. */
  check(): Promise<StoreState>;
  /** A request found the store unavailable: the state is `down` until a ping answers. */
  reportUnavailable(reason: string): void;
}

export interface StoreStatusDependencies {
  repository: UserRepository;
  logger: Logger;
  registry: Registry;
  /** A ping slower than this counts as down, so a hung store never hangs a probe or a scrape. */
  pingTimeoutMs: number;
  /** While down, the store is pinged this often, so the state comes back without waiting for a probe. */
  recheckEveryMs?: number;
}

/**
 * Starts `up` (the store opened). Requests are not watched one by one (that would cost every request):
 * a request that finds the store unavailable reports it, and pings decide the rest — every `/readyz`, every
 * scrape of `store_up`, and one per `recheckEveryMs` while down (no periodic work while up).
 */
export function createStoreStatus({
  repository,
  logger,
  registry,
  pingTimeoutMs,
  recheckEveryMs = 1000,
}: StoreStatusDependencies): StoreStatus {
  let state: StoreState = 'up';
  let pinging: Promise<StoreState> | undefined;
  let recheck: NodeJS.Timeout | undefined;

  const gauge = new Gauge({
    name: 'store_up',
    help: 'Whether the data store answered its last ping (1) or not (0)',
    registers: [registry],
    async collect() {
      this.set((await check()) === 'up' ? 1 : 0);
    },
  });
  gauge.set(1);

  function set(next: StoreState, reason?: string): void {
    if (next === state) return;
    state = next;
    if (next === 'down') {
      logger.warn({ store: 'down', reason }, 'store unavailable: requests that need it get 503');
      scheduleRecheck();
    } else {
      clearTimeout(recheck);
      recheck = undefined;
      logger.info({ store: 'up' }, 'store available again');
    }
  }

  function scheduleRecheck(): void {
    if (recheck !== undefined) return;
    recheck = setTimeout(() => {
      recheck = undefined;
      void check().then((seen) => {
        if (seen === 'down') scheduleRecheck();
      });
    }, recheckEveryMs);
    recheck.unref();
  }

  function check(): Promise<StoreState> {
    pinging ??= pingWithin(repository, pingTimeoutMs).then((failure) => {
      pinging = undefined;
      set(failure === undefined ? 'up' : 'down', failure);
      return state;
    });
    return pinging;
  }

  return {
    get state() {
      return state;
    },
    check,
    reportUnavailable(reason) {
      set('down', reason);
    },
  };
}

/** Resolves with undefined when the ping answered in time, else with why not (never rejects). */
async function pingWithin(repository: UserRepository, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, `no answer to a ping within ${timeoutMs} ms`);
  });
  // `async` wrapper: a ping that throws synchronously still counts as "down", not as a bug.
  const pinged = (async () => repository.ping())().then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  try {
    return await Promise.race([pinged, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
