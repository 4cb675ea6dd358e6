import {
  API_ROUTE,
  availabilityErrorRatio,
  deploymentPodRegex,
  latencyErrorRatio,
  matchers,
  shedRatio,
} from './sli.js';
import {
  type BurnRateAlert,
  errorBudget,
  formatNumber,
  type Slos,
  type Window,
  windowSeconds,
} from './slo.js';

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    readonly runbook_url: string;
  };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly (RecordingRule | AlertingRule)[];
}

/** Where the rules find the service. Values are pasted into PromQL as they are (they may be Helm expressions). */
export interface RuleTarget {
  /**
   * PromQL label matchers selecting the service's own series, e.g. `namespace="prod", job="hello"`. Only the
   * labels the SLIs keep (`namespace`, `job`) may be used: the alerts select the recorded SLIs with it too.
   */
  readonly service: string;
  /** The Deployment kube-state-metrics reports on; without it the kube-state-metrics alerts are left out. */
  readonly kubernetes?: {
    readonly namespace: string;
    readonly deployment: string;
    readonly container: string;
  };
  /** The runbook of an alert, e.g. `https://…/docs/runbooks/HelloStoreDown.md`. */
  readonly runbookUrl: (alert: string) => string;
}

/** The alerts, by name; each has docs/runbooks/<name>.md. */
export const ALERTS = {
  availabilityBurn: 'HelloAvailabilityBudgetBurn',
  latencyBurn: 'HelloLatencyBudgetBurn',
  storeDown: 'HelloStoreDown',
  shedding: 'HelloSheddingSustained',
  metricsAbsent: 'HelloMetricsAbsent',
  podsNotReady: 'HelloPodsNotReady',
  podRestarts: 'HelloPodRestarts',
} as const;

export type AlertName = (typeof ALERTS)[keyof typeof ALERTS];

/** The recorded SLI: error ratio of one SLO over one window, label `slo` = availability | latency. */
export function sliErrorRatioMetric(window: Window): string {
  return `slo:sli_error:ratio_rate${window}`;
}

// Sustained shedding: more than 1 % of the offered requests refused, averaged over 5 min, for 10 min. Shedding
// is built to come and go within a second on a burst; a steady share for 10 min means the pods lack CPU.
const SHED_RATIO_THRESHOLD = 0.01;
const SHED_WINDOW = '5m';
const SHED_FOR = '10m';
// The store down for 2 min: long enough to skip a failover blip (the drill's 4 s outage), short enough that
// the person paged learns the cause with the first burn alert.
const STORE_DOWN_FOR = '2m';
// No successful scrape for 10 min: every SLO alert is blind (no data fires nothing).
const METRICS_ABSENT_FOR = '10m';
// Fewer available pods than desired for 15 min: longer than a rollout step or a scale-up needs.
const PODS_MISSING_FOR = '15m';
// No available pod at all for 5 min: longer than a first install needs to become ready.
const NO_POD_FOR = '5m';
// Any container restart in the last 30 min: each one is an uncaught error, an OOM kill or a failed /livez,
// and it drops the requests in flight on that pod.
const RESTARTS_WINDOW = '30m';

function alertWindows(slos: Slos): Window[] {
  const windows = new Set<Window>();
  for (const alert of slos.burnRateAlerts) windows.add(alert.shortWindow).add(alert.longWindow);
  return [...windows].sort((a, b) => windowSeconds(a) - windowSeconds(b));
}

function percent(ratio: number): string {
  return `${formatNumber(ratio * 100)} %`;
}

function duration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 86400) return `${formatNumber(Number((seconds / 86400).toFixed(1)))} days`;
  return `${formatNumber(Number((seconds / 3600).toFixed(1)))} h`;
}

/** The SLIs, recorded over every window an alert reads: the rules the HA drill's Prometheus loads too. */
export function recordingRuleGroup(slos: Slos, serviceSelector: string): RuleGroup {
  const rules: RecordingRule[] = [];
  for (const window of alertWindows(slos)) {
    rules.push({
      record: sliErrorRatioMetric(window),
      expr: availabilityErrorRatio(serviceSelector, window),
      labels: { slo: 'availability' },
    });
    rules.push({
      record: sliErrorRatioMetric(window),
      expr: latencyErrorRatio(serviceSelector, window, slos.latency.thresholdSeconds),
      labels: { slo: 'latency' },
    });
  }
  return { name: 'high-available-server-slo-sli', rules };
}

interface SloAlertText {
  readonly alert: AlertName;
  readonly slo: 'availability' | 'latency';
  readonly objective: number;
  /** What the error ratio counts, after "{{ $value }} of …". */
  readonly bad: string;
  readonly summary: (burn: BurnRateAlert) => string;
}

function burnRateAlerts(slos: Slos, target: RuleTarget, text: SloAlertText): AlertingRule[] {
  const budget = errorBudget(text.objective);
  const periodSeconds = windowSeconds(slos.period);
  return slos.burnRateAlerts.map((burn) => {
    const threshold = `(${formatNumber(burn.burnRate)} * ${formatNumber(budget)})`;
    const ratio = (window: Window) =>
      `${sliErrorRatioMetric(window)}${matchers(`slo="${text.slo}"`, target.service)} > ${threshold}`;
    const spent = (burn.burnRate * windowSeconds(burn.longWindow)) / periodSeconds;
    return {
      alert: text.alert,
      expr: [ratio(burn.longWindow), 'and', ratio(burn.shortWindow)].join('\n'),
      labels: { severity: burn.severity, slo: text.slo, burn: burn.name },
      annotations: {
        summary: text.summary(burn),
        description: [
          `{{ $value | humanizePercentage }} of ${text.bad} for {{ $labels.job }} in {{ $labels.namespace }}`,
          `over the last ${burn.longWindow}, and more than ${percent(burn.burnRate * budget)} over the last ${burn.shortWindow}.`,
          `The SLO allows ${percent(budget)} over ${slos.period} (objective ${percent(text.objective)}): this is`,
          `${formatNumber(burn.burnRate)}x the sustainable rate, ${percent(spent)} of the ${slos.period} budget in ${burn.longWindow};`,
          `at this rate the whole budget lasts ${duration(periodSeconds / burn.burnRate)}.`,
        ].join(' '),
        runbook_url: target.runbookUrl(text.alert),
      },
    };
  });
}

function sloAlertRules(slos: Slos, target: RuleTarget): AlertingRule[] {
  const threshold = `${formatNumber(slos.latency.thresholdSeconds * 1000)} ms`;
  return [
    ...burnRateAlerts(slos, target, {
      alert: ALERTS.availabilityBurn,
      slo: 'availability',
      objective: slos.availability.objective,
      bad: `${API_ROUTE} requests failed (5xx, overload 503s included)`,
      summary: (burn) =>
        `${API_ROUTE} requests are failing ${formatNumber(burn.burnRate)}x faster than the availability SLO allows (${burn.name} burn).`,
    }),
    ...burnRateAlerts(slos, target, {
      alert: ALERTS.latencyBurn,
      slo: 'latency',
      objective: slos.latency.objective,
      bad: `the ${API_ROUTE} requests answered without a 5xx took longer than ${threshold}`,
      summary: (burn) =>
        `${API_ROUTE} requests are slower than ${threshold} ${formatNumber(burn.burnRate)}x more often than the latency SLO allows (${burn.name} burn).`,
    }),
  ];
}

function symptomGroup(target: RuleTarget): RuleGroup {
  const service = matchers(target.service);
  return {
    name: 'high-available-server-symptoms',
    rules: [
      {
        alert: ALERTS.storeDown,
        expr: [
          `count by (namespace, job) (store_up${service} == 0)`,
          '/',
          `count by (namespace, job) (store_up${service})`,
        ].join('\n'),
        for: STORE_DOWN_FOR,
        labels: { severity: 'critical' },
        annotations: {
          summary: 'Pods cannot reach the database: store-backed requests get 503.',
          description: [
            `{{ $value | humanizePercentage }} of the pods of {{ $labels.job }} in {{ $labels.namespace }} have reported`,
            `store_up 0 for ${STORE_DOWN_FOR}: every PUT and GET /hello on those pods is answered 503 + Retry-After`,
            'at once, and it counts against the availability SLO. The pods stay ready (readiness does not follow the',
            'database), so the load balancer keeps sending traffic to them.',
          ].join(' '),
          runbook_url: target.runbookUrl(ALERTS.storeDown),
        },
      },
      {
        alert: ALERTS.shedding,
        expr: `${shedRatio(target.service, SHED_WINDOW)}\n> ${formatNumber(SHED_RATIO_THRESHOLD)}`,
        for: SHED_FOR,
        labels: { severity: 'warning' },
        annotations: {
          summary: 'The service has been shedding load (503 before routing) for 10 minutes.',
          description: [
            `{{ $value | humanizePercentage }} of the requests offered to {{ $labels.job }} in {{ $labels.namespace }}`,
            `were shed over the last ${SHED_WINDOW} (above ${percent(SHED_RATIO_THRESHOLD)} for ${SHED_FOR}): the event loop is`,
            'saturated or the CPU limit throttles it. Every shed request is an availability SLO error.',
          ].join(' '),
          runbook_url: target.runbookUrl(ALERTS.shedding),
        },
      },
      {
        alert: ALERTS.metricsAbsent,
        expr: `absent(up${service})\nor\nsum by (namespace, job) (up${service}) == 0`,
        for: METRICS_ABSENT_FOR,
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Prometheus scrapes no pod of the service: the SLO alerts are blind.',
          description: [
            `No target of {{ $labels.job }} in {{ $labels.namespace }} has been scraped successfully for ${METRICS_ABSENT_FOR}`,
            '(no `up` series, or all 0). With no data no SLO alert can fire, whatever users see.',
          ].join(' '),
          runbook_url: target.runbookUrl(ALERTS.metricsAbsent),
        },
      },
    ],
  };
}

function kubeStateMetricsGroup(
  target: RuleTarget,
  kubernetes: NonNullable<RuleTarget['kubernetes']>,
): RuleGroup {
  const deployment = matchers(`namespace="${kubernetes.namespace}"`, `deployment="${kubernetes.deployment}"`);
  const container = matchers(
    `namespace="${kubernetes.namespace}"`,
    `pod=~"${deploymentPodRegex(kubernetes.deployment)}"`,
    `container="${kubernetes.container}"`,
  );
  const requires = { requires: 'kube-state-metrics' };
  return {
    name: 'high-available-server-kube-state-metrics',
    rules: [
      {
        alert: ALERTS.podsNotReady,
        expr: `kube_deployment_status_replicas_available${deployment} == 0\nand\nkube_deployment_spec_replicas${deployment} > 0`,
        for: NO_POD_FOR,
        labels: { severity: 'critical', ...requires },
        annotations: {
          summary: 'No pod of the service is ready: the API is down.',
          description: [
            `Deployment {{ $labels.deployment }} in {{ $labels.namespace }} has had 0 available pods for ${NO_POD_FOR}.`,
            'The load balancer has nowhere to send requests; the pods see no traffic, so the SLO alerts stay quiet.',
          ].join(' '),
          runbook_url: target.runbookUrl(ALERTS.podsNotReady),
        },
      },
      {
        alert: ALERTS.podsNotReady,
        expr: `kube_deployment_spec_replicas${deployment}\n- kube_deployment_status_replicas_available${deployment}\n> 0`,
        for: PODS_MISSING_FOR,
        labels: { severity: 'warning', ...requires },
        annotations: {
          summary: 'Fewer pods are ready than desired: less capacity and less redundancy.',
          description: [
            `{{ $value }} of the desired pods of deployment {{ $labels.deployment }} in {{ $labels.namespace }} have not`,
            `been available for ${PODS_MISSING_FOR} (pending, crashing, or not passing /readyz).`,
          ].join(' '),
          runbook_url: target.runbookUrl(ALERTS.podsNotReady),
        },
      },
      {
        alert: ALERTS.podRestarts,
        expr: `round(increase(kube_pod_container_status_restarts_total${container}[${RESTARTS_WINDOW}])) >= 1`,
        labels: { severity: 'warning', ...requires },
        annotations: {
          summary: 'A container of the service restarted.',
          description: [
            `Container {{ $labels.container }} of pod {{ $labels.pod }} in {{ $labels.namespace }} restarted {{ $value }}`,
            `time(s) in the last ${RESTARTS_WINDOW}. Each restart is a crash, an OOM kill or a failed /livez, and drops the`,
            'requests that pod had in flight.',
          ].join(' '),
          runbook_url: target.runbookUrl(ALERTS.podRestarts),
        },
      },
    ],
  };
}

/**
 * Every rule group of the service: SLI recordings with the SLO burn-rate alerts that read them, symptom
 * alerts, kube-state-metrics alerts. The recordings and the burn-rate alerts share a group: rules of one group
 * run in order at the same instant, so an alert always reads this evaluation's SLI (groups run independently,
 * and an alert in another group could read the previous one's).
 */
export function ruleGroups(slos: Slos, target: RuleTarget): RuleGroup[] {
  const slo: RuleGroup = {
    name: 'high-available-server-slo',
    rules: [...recordingRuleGroup(slos, target.service).rules, ...sloAlertRules(slos, target)],
  };
  const groups = [slo, symptomGroup(target)];
  if (target.kubernetes) groups.push(kubeStateMetricsGroup(target, target.kubernetes));
  return groups;
}
