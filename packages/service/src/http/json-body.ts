import type { Middleware } from 'koa';
import bodyParser from 'koa-bodyparser';
import type { AppState } from './context.js';
import { HttpProblem } from './problem.js';

export const MAX_BODY_BYTES = 16 * 1024;

// `application/json` or any `+json` type, parameters (charset) allowed.
const JSON_MEDIA_TYPE = /^application\/(?:[\w.!#$&^-]+\+)?json\s*(?:;|$)/i;

const parseJson = bodyParser({
  enableTypes: ['json'],
  jsonLimit: `${MAX_BODY_BYTES}b`,
  strict: true,
  extendTypes: { json: ['+json'] },
});

const noop = async () => {};

/**
 * Reads the request body as JSON into `ctx.request.body`. The media type is checked first:
 * koa-bodyparser silently turns a body it does not parse into `{}`, which would hide a wrong Content-Type
 * behind a misleading 400.
 */
export const readJsonBody: Middleware<AppState> = async (ctx, next) => {
  const contentType = ctx.req.headers['content-type'];
  if (contentType === undefined || !JSON_MEDIA_TYPE.test(contentType)) {
    throw new HttpProblem(415, 'the request body must be JSON (Content-Type: application/json)');
  }
  try {
    // koa-bodyparser's typings are for Koa's default context; ours only narrows `state`.
    await parseJson(ctx as never, noop);
  } catch (error) {
    throw toBodyProblem(error);
  }
  await next();
};

function toBodyProblem(error: unknown): unknown {
  if (error instanceof SyntaxError) return new HttpProblem(400, 'the request body is not valid JSON');
  const { type } = error as { type?: unknown };
  if (type === 'entity.too.large') {
    return new HttpProblem(413, `the request body must not exceed ${MAX_BODY_BYTES} bytes`);
  }
  return error;
}
