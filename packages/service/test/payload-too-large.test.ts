import { Readable } from 'node:stream';
import test from 'ava';
import { request } from 'undici';
import { send, startTestApp } from './helpers/http-app.js';
import { assertProblem } from './helpers/problem.js';

const LIMIT = 16 * 1024;

/** A valid JSON body of exactly `bytes` bytes: padding in an ignored field. */
function bodyOfSize(bytes: number): string {
  const shell = JSON.stringify({ dateOfBirth: '1990-05-17', padding: '' });
  return JSON.stringify({ dateOfBirth: '1990-05-17', padding: 'x'.repeat(bytes - shell.length) });
}

test('a body of exactly 16 KiB is accepted', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const body = bodyOfSize(LIMIT);
  t.is(Buffer.byteLength(body), LIMIT);
  const reply = await send(app, 'PUT', '/hello/Alice', {
    headers: { 'content-type': 'application/json' },
    body,
  });
  t.is(reply.status, 204, reply.text);
});

test('a body one byte over 16 KiB is 413 and nothing is saved', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const body = bodyOfSize(LIMIT + 1);
  const reply = await send(app, 'PUT', '/hello/Alice', {
    headers: { 'content-type': 'application/json' },
    body,
  });
  assertProblem(t, reply, 413);
  t.is(await app.repository.findDateOfBirth('Alice'), undefined);
});

test('a large chunked body without Content-Length is 413 too', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const chunks = () => Readable.from(Array.from({ length: 64 }, () => Buffer.alloc(1024, 0x20)));
  const response = await request(`${app.url}/hello/Alice`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: chunks(),
  });
  const text = await response.body.text();
  t.is(response.statusCode, 413, text);
  t.is(response.headers['content-type'], 'application/problem+json');
});
