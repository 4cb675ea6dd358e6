import type { DrainState } from '../lifecycle/draining.js';
import type { StoreStatus } from '../lifecycle/store-status.js';
import type { RouteDeclaration } from './routes.js';

/** `GET /livez` (management listener): the process is up and its event loop turns. */
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
  drainState: DrainState;
  storeStatus: StoreStatus;
}

/**
 * `GET /readyz` (both listeners): whether this process can serve. 200 `{"status":"ready","store":"up"}`
 * whenever it is not draining, whatever the database does: a database outage makes every replica equally
 * unable to serve store-backed requests, and taking them all out of the load balancer would turn the fast
 * 503s of an outage into an empty target group (and a slow return after it). `store` says what a ping saw.
 * 503 `{"status":"draining",...}` from the shutdown signal on.
 */
export function readyzRoute({ drainState, storeStatus }: ReadyzDependencies): RouteDeclaration {
  return {
    path: '/readyz',
    overloadExempt: true,
    methods: {
      GET: {
        async handle(ctx) {
          if (drainState.draining) {
            ctx.status = 503;
            ctx.body = { status: 'draining', store: storeStatus.state };
            return;
          }
          ctx.body = { status: 'ready', store: await storeStatus.check() };
        },
      },
    },
  };
}
