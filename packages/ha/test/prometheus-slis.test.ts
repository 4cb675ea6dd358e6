import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort as freeLoopbackPort } from '@high-available-server/testkit/free-port';
import { sleep } from '@high-available-server/testkit/process';
import test from 'ava';
import { locatePrometheus } from '../src/debian-program.js';
import { drillRuleFiles } from '../src/drill-session.js';
import { prometheusConfig, startPrometheus } from '../src/prometheus.js';
import { clientSlis, prometheusSlis } from '../src/prometheus-slis.js';

const cacheDir = fileURLToPath(new URL('../.cache/prometheus', import.meta.url));

/**
 * A stand-in for a replica's /metrics with known rates: 90 OK and 5 5xx answers per second on /hello
 * (72 and 4 of them within 250 ms), 5 shed per second, and /readyz traffic that must not count.
 * Availability is then 1 - (5 + 5) / (95 + 5) = 0.90, and the share within 250 ms 76 / 95 = 0.80.
 */
function metricsText(seconds: number): string {
  const series = (status: string, perSecond: number, fastPerSecond: number, route = '/hello/:username') => {
    const labels = `method="GET",route="${route}",status="${status}"`;
    return [
      `http_request_duration_seconds_bucket{${labels},le="0.1"} ${fastPerSecond * seconds * 0.5}`,
      `http_request_duration_seconds_bucket{${labels},le="0.25"} ${fastPerSecond * seconds}`,
      `http_request_duration_seconds_bucket{${labels},le="+Inf"} ${perSecond * seconds}`,
      `http_request_duration_seconds_sum{${labels}} ${perSecond * seconds * 0.1}`,
      `http_request_duration_seconds_count{${labels}} ${perSecond * seconds}`,
    ];
  };
  return [
    '# TYPE http_request_duration_seconds histogram',
    ...series('200', 90, 72),
    ...series('500', 5, 4),
    ...series('200', 1000, 1000, '/readyz'),
    '# TYPE http_requests_shed_total counter',
    `http_requests_shed_total ${5 * seconds}`,
    '',
  ].join('\n');
}

test('Prometheus, scraping a replica, computes availability and the latency SLI over a time range; the drill rules load', async (t) => {
  const started = Date.now();
  const exporter = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(metricsText((Date.now() - started) / 1000));
  });
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  const workDir = await mkdtemp(join(tmpdir(), 'ha-prometheus-test-'));
  const prometheus = await startPrometheus({
    binary: await locatePrometheus(cacheDir),
    workDir,
    port: await freeLoopbackPort(),
    targets: [{ name: 'r1', port: (exporter.address() as AddressInfo).port }],
    scrapeIntervalMs: 250,
    ruleFiles: drillRuleFiles,
  });
  t.teardown(async () => {
    await prometheus.stop();
    exporter.close();
    await rm(workDir, { recursive: true, force: true });
  });
  await prometheus.waitForTargets(15_000);
  await sleep(3500);
  const now = Date.now();
  const slis = await prometheusSlis(
    prometheus,
    { route: '/hello.*', latencyThresholdSeconds: 0.25 },
    { startMs: now - 3000, endMs: now },
  );
  t.true(Math.abs(slis.availability - 0.9) < 0.005, `availability ${slis.availability}`);
  t.true(Math.abs(slis.underThreshold - 0.8) < 0.005, `under 250 ms ${slis.underThreshold}`);
  // ~100 /hello requests per second over 3 s (increase() extrapolates to the window's edges).
  t.true(slis.requests > 250 && slis.requests < 350, `requests ${slis.requests}`);
  const rules = await prometheus.rules();
  t.true(rules.length > 0);
  t.deepEqual(
    rules.filter((rule) => rule.health !== 'ok'),
    [],
  );
  const [recorded] = await prometheus.query('sli:hello_availability:ratio_rate5s', Date.now());
  t.true(Math.abs((recorded?.value ?? 0) - 0.9) < 0.01, `recorded ${recorded?.value}`);
});

test("the drill's Prometheus scrapes every replica at the interval, with a timeout inside it", (t) => {
  const config = prometheusConfig({
    targets: [{ name: 'r1', port: 9100 }],
    scrapeIntervalMs: 500,
    ruleFiles: [],
  });
  t.regex(config, /scrape_interval: 500ms/);
  t.regex(config, /scrape_timeout: 400ms/);
  t.regex(config, /- 127\.0\.0\.1:9100/);
  t.regex(config, /replica: r1/);
});

test("the drill's own SLIs count an unanswered request as a 5xx, and latency over the answered ones", (t) => {
  const samples = [
    { status: 200, latencyMs: 10 },
    { status: 503, latencyMs: 20 },
    { status: 0, latencyMs: 5000 },
    { status: 204, latencyMs: 300 },
  ].map((s) => ({
    ...s,
    kind: 'get' as const,
    scheduledAt: 0,
    sendLagMs: 0,
    endedAt: 0,
    outcome: 'ok' as const,
  }));
  const client = clientSlis(samples, { route: '/hello.*', latencyThresholdSeconds: 0.25 });
  t.is(client.errors, 2);
  t.is(client.availability, 0.5);
  t.is(client.underThreshold, 2 / 3);
});
