import type { ParameterizedContext } from 'koa';

/** What the request-scoped middleware hands to the ones after it. */
export interface AppState {
  requestId: string;
  /** `/hello/:username`: the username, validated and NFC-normalised by the route's parameter check. */
  username?: string;
}

export type AppContext = ParameterizedContext<AppState>;

export type Handler = (ctx: AppContext) => Promise<void> | void;
