import type { ExecutionContext } from 'ava';
import type { Reply } from './http-app.js';

/** Asserts an RFC 9457 problem response with the given status and no leaked internals. */
export function assertProblem(t: ExecutionContext, reply: Reply, status: number): Record<string, unknown> {
  t.is(reply.status, status, reply.text);
  t.is(reply.headers['content-type'], 'application/problem+json');
  const problem = reply.json() as Record<string, unknown>;
  t.is(problem.status, status);
  t.is(typeof problem.type, 'string');
  t.is(typeof problem.title, 'string');
  t.is(typeof problem.detail, 'string');
  t.false(/\bat .+:\d+:\d+/.test(reply.text), 'no stack trace in the body');
  t.false('stack' in problem);
  return problem;
}
