import type { Readiness } from '../lifecycle/readiness.js';
import type { UserRepository } from '../store/repository.js';
import type { AppContext } from './context.js';
import { HttpProblem } from './problem.js';

/** `GET /livez`: the process is up and its event loop turns. */
export function livez(ctx: AppContext): void {
  ctx.body = { status: 'ok' };
}

export interface ReadyzDependencies {
  repository: UserRepository;
  readiness: Readiness;
  /** A ping slower than this counts as down, so a hung store never hangs the probe. */
  pingTimeoutMs: number;
}

/** `GET /readyz`: 200 only while not draining and while the store answers. */
export function readyzHandler({ repository, readiness, pingTimeoutMs }: ReadyzDependencies) {
  return async function readyz(ctx: AppContext): Promise<void> {
    if (readiness.draining) throw new HttpProblem(503, 'the server is shutting down');
    if (!(await pingWithin(repository, pingTimeoutMs)))
      throw new HttpProblem(503, 'the data store is not reachable');
    ctx.body = { status: 'ready' };
  };
}

async function pingWithin(repository: UserRepository, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, false);
  });
  // `async` wrapper: a ping that throws synchronously still counts as "down", not as a bug.
  const pinged = (async () => repository.ping())().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([pinged, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
