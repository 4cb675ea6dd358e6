import { readFile } from 'node:fs/promises';
import test from 'ava';
import { chartFiles } from '../src/chart-files.js';
import { API_ROUTE } from '../src/sli.js';
import { formatNumber, loadSlos } from '../src/slo.js';
import {
  CONTRACTED_SERVICE_METRICS,
  KUBE_STATE_METRICS,
  PROMETHEUS_METRICS,
} from './helpers/metric-sources.js';
import { metricNames, withGrafanaVariables } from './helpers/promql.js';
import { renderedGroups } from './helpers/rendered-rules.js';
import { exposedSeriesNames, type RunningService, startService } from './helpers/service-process.js';

// What the real, built service exports, after it served one PUT and one GET of the API route.
let service: RunningService | undefined;
let exposition = '';

/** The answer, retried while the service sheds it (503): a busy CI machine can saturate its event loop at start. */
async function served(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const response = await fetch(url, init);
    if (response.status !== 503) return response;
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${init?.method ?? 'GET'} ${url} was refused 40 times`);
}

test.before(async () => {
  service = await startService();
  const user = `${service.baseUrl}/hello/metricsprobe`;
  const put = await served(user, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dateOfBirth: '2000-01-01' }),
  });
  if (put.status !== 204) throw new Error(`PUT answered ${put.status}`);
  const get = await served(user);
  if (get.status !== 200) throw new Error(`GET answered ${get.status}`);
  await get.text();
  exposition = await service.scrape();
});

test.after.always(async () => {
  await service?.stop();
});

function allowedSource(name: string, exported: Set<string>): string | undefined {
  if (exported.has(name)) return 'the service';
  if ((CONTRACTED_SERVICE_METRICS as readonly string[]).includes(name)) return 'CONTRACTS.md';
  if ((KUBE_STATE_METRICS as readonly string[]).includes(name)) return 'kube-state-metrics';
  if ((PROMETHEUS_METRICS as readonly string[]).includes(name)) return 'Prometheus';
  return undefined;
}

test('every metric the rules read is exported by the service, kube-state-metrics or Prometheus', async (t) => {
  const exported = exposedSeriesNames(exposition);
  const groups = await renderedGroups();
  const recorded = new Set(
    groups.flatMap((group) => group.rules.flatMap((r) => ('record' in r ? [r.record] : []))),
  );
  const named = new Set(groups.flatMap((group) => group.rules.flatMap((rule) => metricNames(rule.expr))));
  t.true(named.size > 5);
  for (const name of named) {
    t.true(
      recorded.has(name) || allowedSource(name, exported) !== undefined,
      `${name} is exported by nobody`,
    );
  }
});

test('every metric the dashboard queries is exported by the service or kube-state-metrics', async (t) => {
  const exported = exposedSeriesNames(exposition);
  const dashboard = JSON.parse(await readFile(chartFiles.dashboard, 'utf8'));
  const queries: string[] = dashboard.panels.flatMap((panel: { targets?: { expr: string }[] }) =>
    (panel.targets ?? []).map((target) => withGrafanaVariables(target.expr)),
  );
  const named = new Set(queries.flatMap(metricNames));
  t.true(named.size > 5);
  for (const name of named) {
    const source = allowedSource(name, exported);
    t.true(source !== undefined && source !== 'Prometheus', `${name} is exported by neither`);
  }
});

test('the latency threshold is a bucket boundary of the request histogram, as the rules select it', (t) => {
  const le = `le="${formatNumber(loadSlos().latency.thresholdSeconds)}"`;
  const bucket = exposition
    .split('\n')
    .find(
      (line) =>
        line.startsWith('http_request_duration_seconds_bucket{') &&
        line.includes(`route="${API_ROUTE}"`) &&
        line.includes(le),
    );
  t.truthy(bucket, `no ${le} bucket for ${API_ROUTE} in:\n${exposition}`);
});

test('the labels the SLIs select on are the ones the service writes', (t) => {
  // route template and status code, as the rules' matchers expect them.
  t.regex(exposition, new RegExp(`http_requests_total\\{[^}]*route="${API_ROUTE}"[^}]*status="204"`));
  t.regex(exposition, new RegExp(`http_requests_total\\{[^}]*route="${API_ROUTE}"[^}]*status="200"`));
  t.regex(exposition, /^http_requests_shed_total \d+$/m);
});
