import test from 'ava';
import { send, startTestApp } from './helpers/http-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('a sane incoming X-Request-Id is echoed and logged', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const reply = await send(app.management, 'GET', '/livez', {
    headers: { 'x-request-id': 'abc-123.DEF_456' },
  });
  t.is(reply.headers['x-request-id'], 'abc-123.DEF_456');
  const line = app.logs.find((entry) => entry.msg === 'request');
  t.like(line, { requestId: 'abc-123.DEF_456', method: 'GET', route: '/livez', status: 200 });
  t.is(typeof line?.durationMs, 'number');
});

test('without X-Request-Id a UUID is generated, different per request', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const first = (await send(app.management, 'GET', '/livez')).headers['x-request-id'];
  const second = (await send(app.management, 'GET', '/livez')).headers['x-request-id'];
  t.regex(String(first), UUID);
  t.regex(String(second), UUID);
  t.not(first, second);
});

for (const [label, value] of [
  ['too long', 'a'.repeat(129)],
  ['with spaces', 'a b'],
  ['with quotes and braces', '"}{'],
  ['with non-ASCII', 'idé'],
] as const) {
  test(`an insane X-Request-Id (${label}) is replaced`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    const reply = await send(app.management, 'GET', '/livez', { headers: { 'x-request-id': value } });
    t.regex(String(reply.headers['x-request-id']), UUID);
  });
}

test('error responses carry the request id too, and one log line per request with no body or headers', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const reply = await send(app, 'PUT', '/hello/Alice', {
    headers: { 'content-type': 'application/json', 'x-request-id': 'req-1', authorization: 'Bearer secret' },
    body: '{"dateOfBirth":"2999-01-01"}',
  });
  t.is(reply.status, 400);
  t.is(reply.headers['x-request-id'], 'req-1');
  const lines = app.logs.filter((entry) => entry.requestId === 'req-1');
  t.is(lines.length, 1);
  t.deepEqual(Object.keys(lines[0] ?? {}).sort(), [
    'durationMs',
    'hostname',
    'level',
    'method',
    'msg',
    'pid',
    'requestId',
    'route',
    'status',
    'time',
  ]);
  t.false(JSON.stringify(app.logs).includes('secret'));
  t.false(JSON.stringify(app.logs).includes('2999'));
});
