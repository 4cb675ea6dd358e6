import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { stringify } from 'yaml';
import { fullname, namespace, renderedGroups, tools, writeRuleFile } from './helpers/rendered-rules.js';
import { freePort, type RunningService, startService } from './helpers/service-process.js';

// A real Prometheus (Debian's package) scrapes the real, built service every second, labelled as the
// Prometheus Operator would label it, and evaluates the rules the chart renders.

let service: RunningService | undefined;
let prometheus: ChildProcess | undefined;
let prometheusUrl = '';
let prometheusLog = '';

async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; data: { result: never[] }; error?: string };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${what} within ${timeoutMs} ms; Prometheus said:\n${prometheusLog}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

test.before(async () => {
  service = await startService();
  const target = new URL(service.metricsUrl).host;
  const rules = await writeRuleFile(await renderedGroups());
  const dir = await mkdtemp(path.join(tmpdir(), 'observability-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(
    config,
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [rules],
      scrape_configs: [
        {
          // The Operator's labels for a target of the ServiceMonitor: job = the Service, its namespace, the pod.
          job_name: fullname,
          metrics_path: new URL(service.metricsUrl).pathname,
          static_configs: [{ targets: [target], labels: { namespace, pod: `${fullname}-5d8f7b9c4-x2x7z` } }],
        },
      ],
    }),
  );
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    tools.prometheus,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  prometheus.stderr?.on('data', (chunk) => {
    prometheusLog = `${prometheusLog}${chunk}`.slice(-4000);
  });
  await eventually('Prometheus ready', async () =>
    (await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined,
  );
  // The first scrape, so the counters move between scrapes from now on (a rate needs two different samples).
  await eventually('the first scrape', async () =>
    (await query(`up{job="${fullname}"} == 1`)).length > 0 ? true : undefined,
  );
  traffic = sendTraffic(service.baseUrl);
});

/**
 * Traffic the SLIs count, spread over a few seconds of scrapes: stored birthdays (204), greetings (200) and
 * an unknown user (404, a good answer), until `stop` says enough.
 */
let stopTraffic = false;
let traffic: Promise<void> | undefined;
/** What the client saw of the /hello answers: an SLI can only be clean when these are. */
const seen = { answers: 0, failures: 0, slowestMs: 0 };

async function timed(url: string, init?: RequestInit): Promise<void> {
  const started = performance.now();
  const response = await fetch(url, init);
  await response.arrayBuffer();
  seen.answers++;
  if (response.status >= 500) seen.failures++;
  seen.slowestMs = Math.max(seen.slowestMs, performance.now() - started);
}

async function sendTraffic(baseUrl: string): Promise<void> {
  while (!stopTraffic && seen.answers < 3_000) {
    const user = `${baseUrl}/hello/promuser${String.fromCharCode(97 + (seen.answers % 26))}`;
    await timed(user, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dateOfBirth: '1990-05-17' }),
    });
    await timed(user);
    await timed(`${baseUrl}/hello/nobodyknown`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test.after.always(async () => {
  stopTraffic = true;
  await traffic;
  if (prometheus && prometheus.exitCode === null) {
    prometheus.kill('SIGTERM');
    await once(prometheus, 'exit');
  }
  await service?.stop();
});

test.serial('every rule the chart renders evaluates without error on the real service', async (t) => {
  const groups = await renderedGroups();
  const expected = groups.reduce((count, group) => count + group.rules.length, 0);
  const rules = await eventually('every rule evaluated', async () => {
    const response = await fetch(`${prometheusUrl}/api/v1/rules`);
    const body = (await response.json()) as {
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const all = body.data.groups.flatMap((group) => group.rules);
    return all.length === expected && all.every((rule) => rule.health !== 'unknown') ? all : undefined;
  });
  for (const rule of rules) t.is(rule.health, 'ok', `${rule.name}: ${rule.lastError}`);
});

test.serial('the recorded SLIs match what the client saw of the real requests', async (t) => {
  const selector = `namespace="${namespace}", job="${fullname}"`;
  const sli = async (slo: string) => {
    const [sample] = await eventually(`slo:sli_error:ratio_rate5m{slo="${slo}"}`, async () => {
      const result = await query(`slo:sli_error:ratio_rate5m{slo="${slo}", ${selector}}`);
      return result.length > 0 && !Number.isNaN(Number(result[0]?.value[1])) ? result : undefined;
    });
    return Number(sample?.value[1]);
  };
  const [availability, latency] = [await sli('availability'), await sli('latency')];
  t.true(availability >= 0 && availability <= 1);
  t.true(latency >= 0 && latency <= 1);
  // Client-side latency includes the server's: when no answer took 100 ms at the client, none did in the pod.
  if (seen.failures === 0) t.is(availability, 0, 'no 5xx answer, yet the availability SLI counts errors');
  if (seen.slowestMs < 100) t.is(latency, 0, 'no slow answer, yet the latency SLI counts some');
  t.log(`client: ${seen.answers} answers, ${seen.failures} 5xx, slowest ${seen.slowestMs.toFixed(1)} ms`);
  // The requests behind the ratios were counted, 404s among the good answers.
  for (const status of ['200', '204', '404']) {
    const [requests] = await query(
      `sum(rate(http_requests_total{route="/hello/:username", status="${status}", ${selector}}[5m]))`,
    );
    t.true(Number(requests?.value[1]) > 0, status);
  }
});

test.serial('no alert fires for a healthy service', async (t) => {
  const alerts = await query('ALERTS');
  t.deepEqual(
    alerts.filter((alert) => alert.metric.job === fullname).map((alert) => alert.metric.alertname),
    [],
  );
});
