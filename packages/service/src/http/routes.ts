import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { InFlightLimit } from '../overload/in-flight-limit.js';
import type { AppContext, AppState, Handler } from './context.js';
import { HttpProblem } from './problem.js';

export type RouteMethod = 'GET' | 'PUT';

/** What one method of a route runs, in this order. */
export interface MethodHandler {
  /** Checks what needs no body (path parameters), so a bad request is refused before its body is read. */
  readonly checkRequest?: (ctx: AppContext) => void;
  /**
   * Reads and checks the request body. It runs before the in-flight limit counts the request, so a client
   * that sends its body slowly holds no slot (the server's request timeout bounds how long it may take).
   */
  readonly readBody?: (ctx: AppContext) => Promise<void>;
  readonly handle: Handler;
}

/** One route. HEAD is served wherever GET is (@koa/router adds it; Koa drops the body). */
export interface RouteDeclaration {
  /** An @koa/router path; it is also the `route` label of the metrics and the request log. */
  readonly path: string;
  readonly methods: Readonly<Partial<Record<RouteMethod, MethodHandler>>>;
  /**
   * True for a route a busy process must still answer (the load balancer's health check): overload
   * protection, both the shedding in front of Koa and the in-flight limit, leaves it alone. This flag is the
   * only place that decides it.
   */
  readonly overloadExempt: boolean;
}

export interface RoutingTable {
  readonly routes: readonly RouteDeclaration[];
}

/**
 * One Koa middleware per route method: its request check, its body reader, then its handler within the
 * in-flight limit (unless the route is exempt). One function rather than a chain of middleware: each Koa
 * layer costs a bound dispatch and two promises per request.
 */
function methodMiddleware(handler: MethodHandler, limit: InFlightLimit | undefined): Middleware<AppState> {
  const { checkRequest, readBody, handle } = handler;
  return async function route(ctx) {
    checkRequest?.(ctx);
    if (readBody !== undefined) await readBody(ctx);
    if (limit === undefined) await handle(ctx);
    else await limit.run(handle, ctx);
  };
}

/** The @koa/router for `table`, with exact paths (`/HELLO/x` and `/readyz/` are no routes: the defaults ignore case and a trailing slash). */
export function createRouter(table: RoutingTable, inFlightLimit?: InFlightLimit): Router<AppState> {
  const router = new Router<AppState>({ sensitive: true, strict: true });
  for (const route of table.routes) {
    const limit = route.overloadExempt ? undefined : inFlightLimit;
    for (const [method, handler] of Object.entries(route.methods)) {
      router.register(route.path, [method], methodMiddleware(handler, limit));
    }
  }
  return router;
}

/** The fixed paths overload protection must leave alone (see `RouteDeclaration.overloadExempt`). */
export function overloadExemptPaths(table: RoutingTable): ReadonlySet<string> {
  const exempt = table.routes.filter((route) => route.overloadExempt).map((route) => route.path);
  for (const path of exempt) {
    // The shedding in front of Koa compares the raw path, so an exempt route cannot have parameters.
    if (path.includes(':')) throw new Error(`an overload-exempt route must be a fixed path: ${path}`);
  }
  return new Set(exempt);
}

/** The layers @koa/router matched by path (any method); set on the context by `router.routes()`. */
type MatchedLayers = { readonly matched?: readonly { path: string | RegExp; methods: string[] }[] };

/**
 * After `router.routes()`: it calls on only when no route matched both the path and the method. A path no
 * route matches is 404; a path that routes for other methods is 405 with `Allow` (sorted; OPTIONS, TRACE and
 * the rest included: the API offers nothing more for them). @koa/router's own `allowedMethods()` answers
 * OPTIONS with 200 and its error factories get no context to carry `Allow`, hence this one middleware.
 */
export const unroutedRequests: Middleware<AppState> = (ctx) => {
  const matched = (ctx as MatchedLayers).matched ?? [];
  if (matched.length === 0) throw new HttpProblem(404, `no route for ${ctx.path}`);
  const allowed = [...new Set(matched.flatMap((layer) => layer.methods))].sort().join(', ');
  throw new HttpProblem(405, `${ctx.method} is not allowed on ${String(matched[0]?.path)}`, {
    Allow: allowed,
  });
};

/** The metrics and log label of a request: the matched route's path, or `unmatched` (bounded either way). */
export function routeLabel(ctx: AppContext): string {
  const { _matchedRoute, matched } = ctx as { _matchedRoute?: string | RegExp } & MatchedLayers;
  const path = _matchedRoute ?? matched?.[0]?.path;
  return typeof path === 'string' ? path : 'unmatched';
}
