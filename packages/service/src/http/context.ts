import type { ParameterizedContext } from 'koa';
import type { Route } from './routes.js';

/** What the request-scoped middleware hands to the ones after it. */
export interface AppState {
  /** The matched route, or `undefined` for an unknown path (metrics label `unmatched`). */
  route: Route | undefined;
  requestId: string;
}

export type AppContext = ParameterizedContext<AppState>;

export type Handler = (ctx: AppContext) => Promise<void> | void;
