import test from 'ava';
import fc from 'fast-check';
import { send, startTestApp } from './helpers/http-app.js';

const methods = fc.constantFrom(
  'GET',
  'HEAD',
  'PUT',
  'POST',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
);

/** Characters that may appear raw in a request-target, plus `%` so broken escapes are generated too. */
const rawSegment = fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@%-]{0,20}$/);
const encodedSegment = fc.string({ unit: 'grapheme', maxLength: 70 }).map(encodeURIComponent);
const segment = fc.oneof(
  rawSegment,
  encodedSegment,
  fc.constantFrom('Alice', 'Zo%C3%AB', 'Zoe%CC%88', '%', '%ZZ', ''),
);
const path = fc.oneof(
  segment.map((name) => `/hello/${name}`),
  fc.constantFrom('/livez', '/readyz', '/metrics', '/openapi.json', '/', '/hello', '/hello/'),
  fc.array(segment, { maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
);

const contentType = fc.option(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/x+json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/json;;;',
    'multipart/form-data; boundary=x',
    '*/*',
  ),
  { nil: undefined },
);

const isoDate = fc
  .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10));
const dateOfBirth = fc.oneof(isoDate, fc.string(), fc.integer(), fc.constant(null), fc.jsonValue());
const body = fc.option(
  fc.oneof(
    dateOfBirth.map((value) => JSON.stringify({ dateOfBirth: value })),
    fc.json(),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constant('{"dateOfBirth":"1990-05-17","pad":"'.padEnd(17_000, 'x')),
  ),
  { nil: undefined },
);
const requestId = fc.option(fc.stringMatching(/^[\x21-\x7e]{0,140}$/), { nil: undefined });

test('random requests never get a 5xx, and every error is problem+json', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  await fc.assert(
    fc.asyncProperty(
      methods,
      path,
      contentType,
      body,
      requestId,
      async (method, target, type, payload, id) => {
        const headers: Record<string, string> = {};
        if (type !== undefined) headers['content-type'] = type;
        if (id !== undefined) headers['x-request-id'] = id;
        const sendsBody = payload !== undefined && method !== 'GET' && method !== 'HEAD';
        const reply = await send(app, method, target, sendsBody ? { headers, body: payload } : { headers });
        if (reply.status >= 500) throw new Error(`${method} ${target} → ${reply.status}: ${reply.text}`);
        if (
          reply.status >= 400 &&
          method !== 'HEAD' &&
          reply.headers['content-type'] !== 'application/problem+json'
        ) {
          throw new Error(`${method} ${target} → ${reply.status} with ${reply.headers['content-type']}`);
        }
      },
    ),
    { numRuns: 400 },
  );
  t.pass();
});
