import bodyParser from 'koa-bodyparser';
import type { AppContext } from './context.js';
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

const TOO_LARGE = `the request body must not exceed ${MAX_BODY_BYTES} bytes`;

/**
 * Reads the request body as JSON into `ctx.request.body`. Everything that can refuse it without reading it
 * comes first, before an `Expect: 100-continue` client is invited to send it: the media type (koa-bodyparser
 * silently turns a body it does not parse into `{}`, which would hide a wrong Content-Type behind a
 * misleading 400), then a declared length over the limit. (A response to a request whose body was not read
 * closes the connection: `observe`.)
 */
export async function readJsonBody(ctx: AppContext): Promise<void> {
  const { req } = ctx;
  const contentType = req.headers['content-type'];
  if (contentType === undefined || !JSON_MEDIA_TYPE.test(contentType)) {
    throw new HttpProblem(415, 'the request body must be JSON (Content-Type: application/json)');
  }
  const declaredLength = Number(req.headers['content-length']);
  if (declaredLength > MAX_BODY_BYTES && req.headers['content-encoding'] === undefined) {
    throw new HttpProblem(413, TOO_LARGE);
  }
  if (req.headers.expect?.toLowerCase() === '100-continue') ctx.res.writeContinue();
  try {
    // koa-bodyparser's typings are for Koa's default context; ours only narrows `state`.
    await parseJson(ctx as never, noop);
  } catch (error) {
    throw toBodyProblem(error, req.headers['content-encoding']);
  }
}

function toBodyProblem(error: unknown, contentEncoding: string | undefined): unknown {
  if (error instanceof SyntaxError) return new HttpProblem(400, 'the request body is not valid JSON');
  const { type, status } = error as { type?: unknown; status?: unknown };
  if (type === 'entity.too.large') return new HttpProblem(413, TOO_LARGE);
  // zlib's and brotli's errors (corrupt or truncated data) carry no HTTP status: the client sent bad bytes.
  if (contentEncoding !== undefined && status === undefined) {
    return new HttpProblem(400, `the request body is not valid ${contentEncoding} data`);
  }
  return error;
}
