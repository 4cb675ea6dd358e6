import { randomUUID } from 'node:crypto';
import test from 'ava';
import { putBirthday, send, startTestApp } from './helpers/http-app.js';
import { assertProblem } from './helpers/problem.js';

function countersOf(metrics: string): string[] {
  return metrics.split('\n').filter((line) => line.startsWith('http_requests_total{'));
}

test('request count and latency by method, route template and status, plus process metrics', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  await putBirthday(app, 'Alice', '1990-05-17');
  await send(app, 'GET', '/hello/Alice');
  await send(app, 'GET', '/hello/Bob');
  const reply = await send(app.management, 'GET', '/metrics');
  t.is(reply.status, 200);
  t.regex(String(reply.headers['content-type']), /^text\/plain/);
  const counters = countersOf(reply.text);
  t.true(counters.includes('http_requests_total{method="PUT",route="/hello/:username",status="204"} 1'));
  t.true(counters.includes('http_requests_total{method="GET",route="/hello/:username",status="200"} 1'));
  t.true(counters.includes('http_requests_total{method="GET",route="/hello/:username",status="404"} 1'));
  t.regex(
    reply.text,
    /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/hello\/:username",status="200"\}/,
  );
  t.regex(reply.text, /^process_resident_memory_bytes \d+/m);
  t.regex(reply.text, /^nodejs_eventloop_lag_seconds /m);
});

test('labels stay bounded: many random unmatched paths share one label', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  for (let i = 0; i < 50; i++) await send(app, 'GET', `/${randomUUID()}/${i}`);
  const counters = countersOf((await send(app.management, 'GET', '/metrics')).text);
  t.deepEqual(counters, ['http_requests_total{method="GET",route="unmatched",status="404"} 50']);
});

test('usernames never become labels', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  for (const name of ['Alice', 'Bob', 'Carol']) await putBirthday(app, name, '1990-05-17');
  const text = (await send(app.management, 'GET', '/metrics')).text;
  t.false(/Alice|Bob|Carol/.test(text));
});

test('the API listener answers 404 for /metrics and /livez: they live on the management listener only', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  for (const path of ['/metrics', '/livez', '/metrics?x=1'])
    assertProblem(t, await send(app, 'GET', path), 404);
  t.is((await send(app.management, 'GET', '/metrics')).status, 200);
  // And the management listener serves nothing of the API.
  for (const path of ['/hello/Alice', '/openapi.json'])
    assertProblem(t, await send(app.management, 'GET', path), 404);
});

test('the latency histogram is coherent: cumulative buckets, +Inf = _count = the request counter, after every scrape', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const labels = 'method="GET",route="/hello/:username",status="404"';
  for (let scrape = 1; scrape <= 2; scrape++) {
    for (let i = 0; i < 5; i++) await send(app, 'GET', '/hello/Nobody');
    const text = (await send(app.management, 'GET', '/metrics')).text;
    const value = (line: RegExp) => Number(line.exec(text)?.[1]);
    const buckets = [...text.matchAll(/^http_request_duration_seconds_bucket\{le="([^"]+)",(.*)\} (\S+)$/gm)]
      .filter((match) => match[2] === labels)
      .map((match) => ({ le: match[1], count: Number(match[3]) }));
    t.is(buckets.length, 13, '12 bounds and +Inf');
    t.deepEqual(
      buckets.map((b) => b.count),
      buckets.map((b) => b.count).sort((a, b) => a - b),
      'cumulative',
    );
    t.is(buckets.at(-1)?.le, '+Inf');
    const count = value(new RegExp(`^http_request_duration_seconds_count\\{${labels}\\} (\\S+)$`, 'm'));
    t.is(count, 5 * scrape);
    t.is(buckets.at(-1)?.count, count);
    t.is(value(new RegExp(`^http_requests_total\\{${labels}\\} (\\S+)$`, 'm')), count);
    t.true(value(new RegExp(`^http_request_duration_seconds_sum\\{${labels}\\} (\\S+)$`, 'm')) > 0);
  }
});
