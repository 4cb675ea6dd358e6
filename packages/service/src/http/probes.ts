import type { DrainState } from '../lifecycle/draining.js';
import type { UserRepository } from '../store/repository.js';
import { HttpProblem } from './problem.js';
import type { RouteDeclaration } from './routes.js';

/** `GET /livez`: the process is up and its event loop turns. */
export const livezRoute: RouteDeclaration = {
  path: '/livez',
  overloadExempt: true,
  methods: {
    GET: {
      handle(ctx) {
        ctx.body = { status: 'ok' };
      },
    },
  },
};

export interface ReadyzDependencies {
  repository: UserRepository;
  drainState: DrainState;
  /** A ping slower than this counts as down, so a hung store never hangs the probe. */
  pingTimeoutMs: number;
}

/** `GET /readyz`: 200 only while not draining and while the store answers. */
export function readyzRoute({ repository, drainState, pingTimeoutMs }: ReadyzDependencies): RouteDeclaration {
  return {
    path: '/readyz',
    overloadExempt: true,
    methods: {
      GET: {
        async handle(ctx) {
          if (drainState.draining) throw new HttpProblem(503, 'the server is shutting down');
          if (!(await pingWithin(repository, pingTimeoutMs)))
            throw new HttpProblem(503, 'the data store is not reachable');
          ctx.body = { status: 'ready' };
        },
      },
    },
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
