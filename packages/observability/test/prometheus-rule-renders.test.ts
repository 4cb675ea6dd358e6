import { existsSync } from 'node:fs';
import test from 'ava';
import { ALERTS } from '../src/rules.js';
import {
  fullname,
  helm,
  monitoringOn,
  namespace,
  promtool,
  renderedGroups,
  renderedPrometheusRule,
  writeRuleFile,
} from './helpers/rendered-rules.js';

const runbooks = new URL('../../../docs/runbooks/', import.meta.url);

test('promtool check rules accepts the rules the chart renders', async (t) => {
  const file = await writeRuleFile(await renderedGroups());
  const result = await promtool(['check', 'rules', file]);
  t.true(result.ok, result.output);
  t.regex(result.output, /SUCCESS: \d+ rules found/);
});

test('promtool check rules rejects a broken expression (the check can fail)', async (t) => {
  const groups = structuredClone(await renderedGroups());
  const first = groups[0]?.rules[0] as { expr: string };
  first.expr = `${first.expr} +`;
  const result = await promtool(['check', 'rules', await writeRuleFile(groups)]);
  t.false(result.ok);
  t.regex(result.output, /parse error/);
});

test('the PrometheusRule renders only with the ServiceMonitor, and can be turned off', async (t) => {
  const kinds = async (set: Record<string, boolean>) => (await helm.render({ set })).map((m) => m.kind);
  t.false((await kinds({})).includes('PrometheusRule'));
  t.true((await kinds({ 'serviceMonitor.enabled': true })).includes('PrometheusRule'));
  t.false(
    (await kinds({ 'serviceMonitor.enabled': true, 'observability.prometheusRule.enabled': false })).includes(
      'PrometheusRule',
    ),
  );
});

test("the rules select this release's series: its namespace, and the job the ServiceMonitor gives", async (t) => {
  const manifests = await helm.render(monitoringOn);
  // The Prometheus Operator labels a target's series job=<Service name>, unless a relabeling sets it.
  const monitor = manifests.find((m) => m.kind === 'ServiceMonitor');
  t.is(monitor?.spec.jobLabel, undefined);
  const ports = new Set(monitor?.spec.endpoints.map((endpoint: { port: string }) => endpoint.port));
  const selector: Record<string, string> = monitor?.spec.selector.matchLabels ?? {};
  const scraped = manifests.filter(
    (m) =>
      m.kind === 'Service' &&
      Object.entries(selector).every(([key, value]) => m.metadata.labels?.[key] === value) &&
      m.spec.ports.some((port: { name: string }) => ports.has(port.name)),
  );
  t.is(scraped.length, 1, 'the ServiceMonitor scrapes one Service');
  const relabeled: { targetLabel?: string; action?: string; replacement?: string }[] = (
    monitor?.spec.endpoints ?? []
  ).flatMap((endpoint: { relabelings?: never[] }) => endpoint.relabelings ?? []);
  const jobRelabel = relabeled.find((r) => r.targetLabel === 'job' && (r.action ?? 'replace') === 'replace');
  const job = jobRelabel?.replacement ?? scraped[0]?.metadata.name;
  t.is(job, fullname);
  const deployment = manifests.find((m) => m.kind === 'Deployment')?.metadata.name;
  t.is(deployment, fullname);
  for (const group of await renderedGroups()) {
    for (const rule of group.rules) {
      for (const [, label, value] of rule.expr.matchAll(/\b(job|deployment)="([^"]*)"/g))
        t.is(value, label === 'job' ? job : deployment, rule.expr);
      for (const [, pods] of rule.expr.matchAll(/\bpod=~"([^"]*)"/g))
        t.true(pods?.startsWith(`${deployment}-`));
      if (/\b(job|deployment|pod)=/.test(rule.expr)) t.true(rule.expr.includes(`namespace="${namespace}"`));
    }
  }
});

test("the restart alert watches the Deployment's server container", async (t) => {
  const deployment = (await helm.render(monitoringOn)).find((m) => m.kind === 'Deployment');
  const containers: string[] = deployment?.spec.template.spec.containers.map((c: { name: string }) => c.name);
  const restarts = (await renderedGroups())
    .flatMap((group) => group.rules)
    .find((rule) => 'alert' in rule && rule.alert === ALERTS.podRestarts);
  const container = /container="([^"]+)"/.exec(restarts?.expr ?? '')?.[1];
  t.truthy(container);
  t.true(containers.includes(container as string), `${container} not in ${containers}`);
});

test('the PrometheusRule carries the ServiceMonitor labels and its own (for the ruleSelector)', async (t) => {
  const rule = await renderedPrometheusRule({
    set: { 'serviceMonitor.enabled': true },
    setString: {
      'serviceMonitor.labels.release': 'kube-prometheus',
      'observability.prometheusRule.labels.team': 'birthdays',
    },
  });
  t.is(rule.metadata.labels?.release, 'kube-prometheus');
  t.is(rule.metadata.labels?.team, 'birthdays');
  t.is(rule.metadata.namespace, namespace);
});

test('every alert has a summary, a description with its numbers and a runbook that exists', async (t) => {
  const alerts = (await renderedGroups()).flatMap((group) => group.rules).filter((rule) => 'alert' in rule);
  t.deepEqual([...new Set(alerts.map((rule) => rule.alert))].sort(), Object.values(ALERTS).sort());
  for (const rule of alerts) {
    t.true(rule.annotations.summary.length > 20, rule.alert);
    // The measured value, or (for a yes/no condition) the threshold and duration it held.
    t.regex(
      rule.annotations.description,
      /\{\{ \$value|\b\d/,
      `${rule.alert}: the description has no number`,
    );
    t.is(rule.annotations.runbook_url, `docs/runbooks/${rule.alert}.md`);
    t.true(existsSync(new URL(`${rule.alert}.md`, runbooks)), `docs/runbooks/${rule.alert}.md is missing`);
    t.truthy(rule.labels.severity);
  }
});

test('runbook links follow runbookBaseUrl', async (t) => {
  const base = 'https://git.example.com/team/high-available-server/blob/main/docs/runbooks/';
  const groups = await renderedGroups({
    set: { 'serviceMonitor.enabled': true },
    setString: { 'observability.prometheusRule.runbookBaseUrl': base },
  });
  const urls = groups.flatMap((group) => group.rules).flatMap((rule) => ('alert' in rule ? [rule] : []));
  for (const rule of urls) t.is(rule.annotations.runbook_url, `${base}${rule.alert}.md`);
});

test('alerts that need kube-state-metrics say so in a label', async (t) => {
  const alerts = (await renderedGroups()).flatMap((group) => group.rules).filter((rule) => 'alert' in rule);
  for (const rule of alerts) {
    const needsKubeStateMetrics = /\bkube_/.test(rule.expr);
    t.is(rule.labels.requires === 'kube-state-metrics', needsKubeStateMetrics, rule.alert);
  }
});

test('the values schema refuses a runbook base that is not a URL, and unknown keys', async (t) => {
  const notUrl = await helm.renderError({
    set: { 'serviceMonitor.enabled': true },
    setString: { 'observability.prometheusRule.runbookBaseUrl': 'docs/runbooks' },
  });
  t.regex(notUrl, /runbookBaseUrl/);
  const typo = await helm.renderError({ set: { 'observability.grafanaDashboard.enable': true } });
  t.regex(typo, /additional properties 'enable' not allowed/);
});
