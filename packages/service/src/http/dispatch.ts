import type { Middleware } from 'koa';
import type { AppState } from './context.js';
import { HttpProblem } from './problem.js';

/** Runs the handler of the route `observe` resolved: 404 for an unknown path, 405 + Allow for another method. */
export function dispatch(): Middleware<AppState> {
  return async function dispatch(ctx) {
    const route = ctx.state.route;
    if (route === undefined) throw new HttpProblem(404, `no route for ${ctx.path}`);
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
    const handler = method === 'GET' || method === 'PUT' ? route.handlers[method] : undefined;
    if (handler === undefined) {
      throw new HttpProblem(405, `${ctx.method} is not allowed on ${route.template}`, { Allow: route.allow });
    }
    await handler(ctx);
  };
}
