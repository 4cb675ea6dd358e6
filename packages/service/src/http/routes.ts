import Router, { type RouterParameterMiddleware } from '@koa/router';
import type { Middleware } from 'koa';
import type { AppContext, AppState, Handler } from './context.js';
import { HttpProblem } from './problem.js';

export type RouteMethod = 'GET' | 'PUT';

/** What one method of a route runs, in order. */
export interface MethodHandler {
  /**
   * Reads and checks the request body. It runs before the in-flight limit counts the request, so a client
   * that sends its body slowly holds no slot (the server's request timeout bounds how long it may take).
   */
  readonly readBody?: Middleware<AppState>;
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
  /** Validators of named path parameters; they run before a route's body reader and handler. */
  readonly params?: Readonly<Record<string, RouterParameterMiddleware<AppState>>>;
}

/**
 * The @koa/router for `table`: each method of each route runs its body reader, then (unless the route is
 * exempt) `limitInFlight`, then its handler.
 */
export function createRouter(table: RoutingTable, limitInFlight?: Middleware<AppState>): Router<AppState> {
  // Paths are exact: `/HELLO/x` and `/livez/` are not routes (the defaults ignore case and a trailing slash).
  const router = new Router<AppState>({ sensitive: true, strict: true });
  for (const [name, validate] of Object.entries(table.params ?? {})) router.param(name, validate);
  for (const route of table.routes) {
    for (const [method, { readBody, handle }] of Object.entries(route.methods)) {
      const chain: Middleware<AppState>[] = [];
      if (readBody !== undefined) chain.push(readBody);
      if (limitInFlight !== undefined && !route.overloadExempt) chain.push(limitInFlight);
      chain.push((ctx) => handle(ctx));
      router.register(route.path, [method], chain);
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
