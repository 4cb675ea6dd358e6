import { readFile } from 'node:fs/promises';
import test from 'ava';
import { type BenchFigures, judgeTargets, median } from '../src/bench/targets.js';
import { wrkScript } from '../src/bench/wrk.js';
import { parseWrkOutput } from '../src/bench/wrk-output.js';

test('a wrk report (--latency) gives requests, req/s, p50, p99 and the non-2xx answers', async (t) => {
  const report = await readFile(new URL('./fixtures/wrk-latency-report.txt', import.meta.url), 'utf8');
  t.deepEqual(parseWrkOutput(report), {
    requests: 522,
    rps: 503.83,
    p50Ms: 19.69,
    p99Ms: 204.71,
    errors: 20,
  });
});

test('wrk latencies in µs and s, and socket errors, are read too; output without figures is refused', (t) => {
  const report = [
    '  Latency Distribution',
    '     50%  812.00us',
    '     75%    1.10ms',
    '     90%    1.50ms',
    '     99%    1.20s',
    '  219000 requests in 6.00s, 30.01MB read',
    '  Socket errors: connect 0, read 3, write 0, timeout 2',
    'Requests/sec:  36500.25',
  ].join('\n');
  t.deepEqual(parseWrkOutput(report), {
    requests: 219000,
    rps: 36500.25,
    p50Ms: 0.812,
    p99Ms: 1200,
    errors: 5,
  });
  t.throws(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused'), {
    message: /not a wrk report/,
  });
});

test('the median of 3 rounds is the middle one; of an even count the mean of the middle two', (t) => {
  t.is(median([30, 10, 20]), 20);
  t.is(median([4, 1, 3, 2]), 2.5);
  t.true(Number.isNaN(median([])));
});

test('wrk scripts send letters-only usernames over a bounded set, PUTs with a JSON body', (t) => {
  const put = wrkScript({ op: 'put', prefix: 'benchput', population: 10_000, dateOfBirth: '1990-05-17' });
  t.true(put.includes('wrk.method = "PUT"'));
  t.true(put.includes(`wrk.body = '{"dateOfBirth":"1990-05-17"}'`));
  t.true(put.includes('wrk.headers["Content-Type"] = "application/json"'));
  t.true(put.includes('counter = (counter + 1) % 10000'));
  const get = wrkScript({ op: 'get', prefix: 'benchget', population: 1000, dateOfBirth: '1990-05-17' });
  t.true(get.includes('wrk.method = "GET"'));
  t.false(get.includes('wrk.body'));
  t.true(get.includes('"/hello/benchget" .. letters(counter)'));
});

const figures: BenchFigures = {
  memory: {
    service: { get: 17_000, put: 11_000 },
    minimalKoa: { get: 18_600, put: 12_800 },
    bare: { get: 36_600, put: 29_700 },
  },
  postgres: { service: { get: 3650, put: 4100 }, barePg: { get: 6600, put: 5000 } },
  idleCpuPercent: { serviceMemory: 0.4, servicePostgres: 6.7 },
  startupMs: { memory: 640, postgres: 1200 },
  rssUnderLoadMiB: { memory: 81, postgres: 99 },
  dev: { firstStartMs: 1800, pssMiB: 230 },
};

test('each target of issue 15 is met or missed on the medians, ratios against the right reference', (t) => {
  const verdicts = judgeTargets(figures);
  const met = (target: string) => verdicts.find((v) => v.target === target)?.met;
  t.true(met('idle CPU, service (memory)'));
  t.false(met('idle CPU, service (postgres)'));
  // 17,000 / 18,600 = 0.914 (met); 11,000 / 12,800 = 0.859 (missed)
  t.true(met('memory store GET: service / minimal Koa'));
  t.false(met('memory store PUT: service / minimal Koa'));
  // 3,650 / 6,600 = 0.55 (missed); 4,100 / 5,000 = 0.82 (met)
  t.false(met('PostgreSQL GET: service / bare node:http + pg'));
  t.true(met('PostgreSQL PUT: service / bare node:http + pg'));
  t.true(met('`pnpm dev` first start to ready'));
  // 230 MiB = 241 MB > 200 MB
  t.false(met('`pnpm dev` memory (sum of PSS of the server)'));
  t.true(met('start to ready, memory store'));
  t.false(met('start to ready, PostgreSQL (fresh database, migrations)'));
  // 99 MiB = 103.8 MB > 100 MB
  t.true(met('RSS under load, memory store'));
  t.false(met('RSS under load, PostgreSQL store'));
  t.deepEqual([...new Set(verdicts.map((v) => v.point))], [2, 3, 4, 7, 8]);
});

test('a target that could not be measured is neither met nor missed', (t) => {
  const verdicts = judgeTargets({ ...figures, dev: undefined });
  t.is(verdicts.find((v) => v.target === '`pnpm dev` first start to ready')?.met, undefined);
});
