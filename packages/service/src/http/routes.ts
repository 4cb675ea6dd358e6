import type { Handler } from './context.js';

/**
 * A route template and its handlers by method. The service has five routes, so a table lookup (an exact
 * map for fixed paths, one precompiled pattern per parameterised path) replaces @koa/router: that router
 * composes a middleware chain on every request and answers OPTIONS/TRACE/PROPFIND itself (200/501),
 * where this service must answer 405 with `Allow`.
 */
export interface Route {
  /** The metrics/log label, e.g. `/hello/:username`. */
  readonly template: string;
  readonly handlers: Readonly<Partial<Record<'GET' | 'PUT', Handler>>>;
  /** The `Allow` header for a 405; HEAD is served by the GET handler, so it is listed with it. */
  readonly allow: string;
  /** Whether the overload guard counts this route; health and metrics stay answerable under overload. */
  readonly guarded: boolean;
}

export interface RouteDefinition {
  readonly template: string;
  readonly handlers: Route['handlers'];
  readonly guarded: boolean;
}

export interface RouteTable {
  resolve(path: string): Route | undefined;
}

export function createRouteTable(definitions: readonly RouteDefinition[]): RouteTable {
  const fixed = new Map<string, Route>();
  const parameterised: { pattern: RegExp; route: Route }[] = [];
  for (const definition of definitions) {
    const methods = Object.keys(definition.handlers);
    if (methods.includes('GET')) methods.push('HEAD');
    const route: Route = { ...definition, allow: methods.sort().join(', ') };
    if (definition.template.includes('/:')) {
      // `:name` matches one non-empty path segment.
      const source = definition.template.replace(/\/:[A-Za-z]+/g, '/[^/]+');
      parameterised.push({ pattern: new RegExp(`^${source}$`), route });
    } else {
      fixed.set(definition.template, route);
    }
  }
  return {
    resolve(path) {
      const route = fixed.get(path);
      if (route !== undefined) return route;
      for (const candidate of parameterised) if (candidate.pattern.test(path)) return candidate.route;
      return undefined;
    },
  };
}

/** The last path segment, still percent-encoded; the route pattern guarantees it is non-empty. */
export function lastPathSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
