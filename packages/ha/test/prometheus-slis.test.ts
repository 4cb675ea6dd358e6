import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locatePrometheusTools } from '@high-available-server/observability/prometheus-tools';
import { loadSlos } from '@high-available-server/observability/slo';
import { freePort as freeLoopbackPort } from '@high-available-server/testkit/free-port';
import { sleep } from '@high-available-server/testkit/process';
import test from 'ava';
import { writeRuleFile } from '../src/drill-session.js';
import { DRILL_JOB, prometheusConfig, startPrometheus } from '../src/prometheus.js';
import { clientSlis, prometheusSlis, sliDefinition } from '../src/prometheus-slis.js';

const slos = loadSlos();
const definition = sliDefinition(slos, `job="${DRILL_JOB}"`);
const thresholdSeconds = slos.latency.thresholdSeconds;

/**
 * A stand-in for a replica's /metrics with known rates: 90 OK and 5 5xx answers per second on /hello
 * (72 of the OK ones within the SLO's latency threshold), 5 shed per second, and /readyz traffic that must
 * not count. Availability is then 1 - (5 + 5) / (95 + 5) = 0.90, and the latency SLI (over the answers
 * without a 5xx) 72 / 90 = 0.80.
 */
function metricsText(seconds: number): string {
  const series = (status: string, perSecond: number, fastPerSecond: number, route = '/hello/:username') => {
    const labels = `method="GET",route="${route}",status="${status}"`;
    return [
      `http_requests_total{${labels}} ${perSecond * seconds}`,
      `http_request_duration_seconds_bucket{${labels},le="${thresholdSeconds}"} ${fastPerSecond * seconds}`,
      `http_request_duration_seconds_bucket{${labels},le="+Inf"} ${perSecond * seconds}`,
      `http_request_duration_seconds_sum{${labels}} ${perSecond * seconds * 0.1}`,
      `http_request_duration_seconds_count{${labels}} ${perSecond * seconds}`,
    ];
  };
  return [
    '# TYPE http_requests_total counter',
    '# TYPE http_request_duration_seconds histogram',
    ...series('200', 90, 72),
    ...series('500', 5, 1),
    ...series('200', 1000, 1000, '/readyz'),
    '# TYPE http_requests_shed_total counter',
    `http_requests_shed_total ${5 * seconds}`,
    '',
  ].join('\n');
}

test("Prometheus, scraping a replica, computes the SLO's SLIs over a time range; the chart's SLO rules load and agree", async (t) => {
  const started = Date.now();
  const exporter = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(metricsText((Date.now() - started) / 1000));
  });
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  const workDir = await mkdtemp(join(tmpdir(), 'ha-prometheus-test-'));
  const prometheus = await startPrometheus({
    binary: (await locatePrometheusTools()).prometheus,
    workDir,
    port: await freeLoopbackPort(),
    targets: [{ name: 'r1', port: (exporter.address() as AddressInfo).port }],
    scrapeIntervalMs: 250,
    ruleFiles: [await writeRuleFile(workDir)],
  });
  t.teardown(async () => {
    await prometheus.stop();
    exporter.close();
    await rm(workDir, { recursive: true, force: true });
  });
  await prometheus.waitForTargets(15_000);
  await sleep(3500);
  const now = Date.now();
  const slis = await prometheusSlis(prometheus, definition, { startMs: now - 3000, endMs: now });
  t.true(Math.abs(slis.availability - 0.9) < 0.005, `availability ${slis.availability}`);
  t.true(Math.abs(slis.underThreshold - 0.8) < 0.005, `within the threshold ${slis.underThreshold}`);
  // ~100 /hello requests per second over 3 s (increase() extrapolates to the window's edges).
  t.true(slis.requests > 250 && slis.requests < 350, `requests ${slis.requests}`);
  t.true(Math.abs(slis.errors / slis.requests - 0.1) < 0.005, `errors ${slis.errors} of ${slis.requests}`);
  const rules = await prometheus.rules();
  t.true(rules.length > 0);
  t.deepEqual(
    rules.filter((rule) => rule.health !== 'ok'),
    [],
  );
  // The chart's recorded SLIs say the same as the drill's query over the same series.
  const recorded = await prometheus.query('slo:sli_error:ratio_rate5m', Date.now());
  const bySlo = new Map(recorded.map((series) => [series.metric.slo, series.value]));
  t.true(Math.abs((bySlo.get('availability') ?? 0) - 0.1) < 0.01, `recorded ${JSON.stringify(recorded)}`);
  t.true(Math.abs((bySlo.get('latency') ?? 0) - 0.2) < 0.01, `recorded ${JSON.stringify(recorded)}`);
});

test("the drill's Prometheus scrapes every replica at the interval, with a timeout inside it", (t) => {
  const config = prometheusConfig({
    targets: [{ name: 'r1', port: 9100 }],
    scrapeIntervalMs: 500,
    ruleFiles: [],
  });
  t.regex(config, /scrape_interval: 500ms/);
  t.regex(config, /scrape_timeout: 400ms/);
  t.regex(config, /job_name: hello/);
  t.regex(config, /- 127\.0\.0\.1:9100/);
  t.regex(config, /replica: r1/);
});

test("the drill's own SLIs count an unanswered request as a 5xx, and judge latency on the answers without a 5xx", (t) => {
  const samples = [
    { status: 200, latencyMs: 10 },
    { status: 503, latencyMs: 20 },
    { status: 0, latencyMs: 5000 },
    { status: 204, latencyMs: thresholdSeconds * 1000 + 1 },
  ].map((s) => ({
    ...s,
    kind: 'get' as const,
    scheduledAt: 0,
    sendLagMs: 0,
    endedAt: 0,
    outcome: 'ok' as const,
  }));
  const client = clientSlis(samples, thresholdSeconds);
  t.is(client.errors, 2);
  t.is(client.availability, 0.5);
  t.is(client.underThreshold, 1 / 2);
});
