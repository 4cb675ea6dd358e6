import { readFile } from 'node:fs/promises';
import test from 'ava';
import { stringify } from 'yaml';
import { chartFiles } from '../src/chart-files.js';
import { buildDashboard } from '../src/dashboard.js';
import { loadSlos } from '../src/slo.js';
import { metricNames, syntaxErrors, withGrafanaVariables } from './helpers/promql.js';
import { helm, promtool, writeRuleFile } from './helpers/rendered-rules.js';

interface Target {
  expr: string;
  refId: string;
}
interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  targets?: Target[];
}

const shipped = JSON.parse(await readFile(chartFiles.dashboard, 'utf8'));
const panels: DashboardPanel[] = shipped.panels;
const queries = panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: withGrafanaVariables(target.expr) })),
);

test('the shipped dashboard is the one generated from slo.yaml', (t) => {
  t.deepEqual(shipped, JSON.parse(JSON.stringify(buildDashboard(loadSlos()))));
});

test("every panel query parses with Prometheus's PromQL grammar", (t) => {
  t.true(queries.length > 15);
  for (const query of queries) t.deepEqual(syntaxErrors(query.expr), [], `${query.panel}: ${query.expr}`);
  t.notDeepEqual(syntaxErrors('sum(rate(http_requests_total[5m])'), [], 'the parser can fail');
});

test('every panel query passes promtool (as a recording rule)', async (t) => {
  const rules = queries.map((query, index) => ({ record: `dashboard:query:${index}`, expr: query.expr }));
  const result = await promtool(['check', 'rules', await writeRuleFile([{ name: 'dashboard', rules }])]);
  t.true(result.ok, result.output);
});

test('the variables list the namespaces and Services that export the request counter, and the Deployments', (t) => {
  const variables: { name: string; query?: string }[] = shipped.templating.list;
  t.deepEqual(
    variables.map((variable) => variable.name),
    ['datasource', 'namespace', 'job', 'deployment'],
  );
  const metrics = variables.slice(1).map((variable) => {
    const selector = /^label_values\((.+), [a-z]+\)$/.exec(variable.query ?? '')?.[1] ?? '';
    t.deepEqual(syntaxErrors(withGrafanaVariables(selector)), [], variable.name);
    return metricNames(withGrafanaVariables(selector));
  });
  t.deepEqual(metrics, [['http_requests_total'], ['http_requests_total'], ['kube_deployment_spec_replicas']]);
});

test('the dashboard shows what the on-call engineer needs', (t) => {
  const uses = (pattern: RegExp) => queries.some((query) => pattern.test(query.expr));
  t.true(uses(/sum by \(route, method\) \(rate\(http_requests_total/), 'request rate by route');
  t.true(
    uses(/sum by \(route, status\) \(rate\(http_requests_total\{route!~"[^"]+", status=~"5\.\."/),
    'errors',
  );
  t.true(uses(/histogram_quantile\(0\.5, sum by \(route, le\)/), 'p50 by route');
  t.true(uses(/histogram_quantile\(0\.99, sum by \(route, le\)/), 'p99 by route');
  t.true(uses(/\) \/ 0\.001$/), 'availability burn rate');
  t.true(uses(/\) \/ 0\.01$/), 'latency burn rate');
  t.true(uses(/sum by \(pod\) \(rate\(http_requests_shed_total/), 'shed rate');
  t.true(uses(/sum by \(pod\) \(http_requests_in_flight\{/), 'in flight');
  t.true(uses(/nodejs_eventloop_lag_p99_seconds/), 'event-loop delay');
  t.true(uses(/store_up/), 'store state');
  t.true(uses(/kube_pod_container_status_restarts_total/), 'pod restarts');
});

test('panels have unique ids and queries unique letters, and do not overlap', (t) => {
  t.is(new Set(panels.map((panel) => panel.id)).size, panels.length);
  for (const panel of panels) {
    const refIds = (panel.targets ?? []).map((target) => target.refId);
    t.is(new Set(refIds).size, refIds.length, panel.title);
  }
  const cells = new Set<string>();
  for (const panel of shipped.panels as {
    title: string;
    gridPos: { x: number; y: number; w: number; h: number };
  }[]) {
    const { x, y, w, h } = panel.gridPos;
    t.true(x + w <= 24, panel.title);
    for (let row = y; row < y + h; row++)
      for (let column = x; column < x + w; column++) {
        t.false(cells.has(`${row},${column}`), `${panel.title} overlaps another panel`);
        cells.add(`${row},${column}`);
      }
  }
});

test('the chart ships the dashboard in a ConfigMap for the Grafana sidecar, when asked', async (t) => {
  t.false((await helm.render()).some((manifest) => manifest.metadata.name.endsWith('-dashboard')));
  const manifests = await helm.render({
    set: { 'observability.grafanaDashboard.enabled': true },
    setString: {
      'observability.grafanaDashboard.namespace': 'monitoring',
      'observability.grafanaDashboard.annotations.grafana_folder': 'Services',
    },
  });
  const configMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-dashboard'));
  t.truthy(configMap);
  t.is(configMap?.metadata.labels?.grafana_dashboard, '1');
  t.is(configMap?.metadata.namespace, 'monitoring');
  t.is(configMap?.metadata.annotations?.grafana_folder, 'Services');
  t.deepEqual(JSON.parse(configMap?.data['high-available-server.json']), shipped);
  // Well under a ConfigMap's 1 MiB, and under kubectl apply's 256 KiB annotation limit.
  t.true(stringify(configMap).length < 256 * 1024);
});
