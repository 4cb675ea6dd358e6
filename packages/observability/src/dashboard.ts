import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  type Dashboard as DashboardModel,
  DatasourceVariableBuilder,
  MappingType,
  type Panel,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanel } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { SERVER_CONTAINER } from './chart-files.js';
import {
  API_ROUTE,
  availabilityErrorRatio,
  deploymentPodRegex,
  latencyErrorRatio,
  matchers,
  NOT_TRAFFIC_ROUTES,
  shedRatio,
} from './sli.js';
import { errorBudget, formatNumber, type Slos } from './slo.js';

/** The dashboard's uid: stable, so links and the sidecar's updates keep pointing at the same dashboard. */
export const DASHBOARD_UID = 'high-available-server';

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template.
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
// Every query selects one release: namespace and job (the Service's name) come from the variables.
const SERVICE = 'namespace="$namespace", job="$job"';
const TRAFFIC = `route!~"${NOT_TRAFFIC_ROUTES.join('|')}"`;
const RATE = '$__rate_interval';
// The Deployment is chosen apart from the job: the scraped Service may be named otherwise (a metrics Service).
const PODS = `namespace="$namespace", pod=~"${deploymentPodRegex('$deployment')}", container="${SERVER_CONTAINER}"`;
const DEPLOYMENT = 'namespace="$namespace", deployment="$deployment"';

function query(expr: string, legend: string): DataqueryBuilder {
  return new DataqueryBuilder().expr(expr).legendFormat(legend).datasource(DATASOURCE);
}

function thresholds(steps: [number | null, string][]): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));
}

function timeseries(title: string, description: string, unit: string): TimeseriesPanel {
  return new TimeseriesPanel()
    .title(title)
    .description(description)
    .unit(unit)
    .datasource(DATASOURCE)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .height(8)
    .span(12);
}

function sloStat(title: string, description: string, sli: string, objective: number): StatPanel {
  return new StatPanel()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit('percentunit')
    .decimals(3)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .withTarget(query(`1 - (\n${sli}\n)`, '{{job}}').instant())
    .thresholds(
      thresholds([
        [null, 'red'],
        [objective, 'green'],
      ]),
    )
    .height(5)
    .span(6);
}

function burnRatePanel(slos: Slos): TimeseriesPanel {
  const panel = timeseries(
    'SLO burn rate',
    'Error ratio divided by the error budget (1 - objective): 1 spends the budget exactly over the period. ' +
      'The burn-rate alerts fire when both of their windows exceed their line.',
    'x',
  )
    .min(0)
    .thresholds(
      thresholds([
        [null, 'green'],
        ...slos.burnRateAlerts
          .map((burn): [number, string] => [burn.burnRate, 'red'])
          .sort((a, b) => a[0] - b[0]),
      ]),
    )
    .thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
  const windows = [...new Set(slos.burnRateAlerts.map((burn) => burn.longWindow))];
  for (const window of windows) {
    const availabilityBudget = formatNumber(errorBudget(slos.availability.objective));
    const latencyBudget = formatNumber(errorBudget(slos.latency.objective));
    panel.withTarget(
      query(
        `(\n${availabilityErrorRatio(SERVICE, window)}\n) / ${availabilityBudget}`,
        `availability ${window}`,
      ),
    );
    panel.withTarget(
      query(
        `(\n${latencyErrorRatio(SERVICE, window, slos.latency.thresholdSeconds)}\n) / ${latencyBudget}`,
        `latency ${window}`,
      ),
    );
  }
  return panel;
}

function latencyQuantile(quantile: number): DataqueryBuilder {
  return query(
    `histogram_quantile(${quantile}, sum by (route, le) (rate(http_request_duration_seconds_bucket${matchers(TRAFFIC, SERVICE)}[${RATE}])))`,
    `p${quantile * 100} {{route}}`,
  );
}

/** The service's dashboard as Grafana's JSON model. Every query names only metrics the service or kube-state-metrics export. */
export function buildDashboard(slos: Slos): DashboardModel {
  const range = '$__range';
  const threshold = `${formatNumber(slos.latency.thresholdSeconds * 1000)} ms`;
  const rows: [RowBuilder, cog.Builder<Panel>[]][] = [
    [
      new RowBuilder('Service level objectives'),
      [
        sloStat(
          'Availability over the time range',
          `Share of ${API_ROUTE} requests not answered 5xx nor shed. Objective ${formatNumber(slos.availability.objective * 100)} % over ${slos.period}.`,
          availabilityErrorRatio(SERVICE, range),
          slos.availability.objective,
        ),
        sloStat(
          `Answered within ${threshold} over the time range`,
          `Share of ${API_ROUTE} requests answered without a 5xx that took at most ${threshold}. Objective ${formatNumber(slos.latency.objective * 100)} % over ${slos.period}.`,
          latencyErrorRatio(SERVICE, range, slos.latency.thresholdSeconds),
          slos.latency.objective,
        ),
        burnRatePanel(slos).span(12).height(5),
      ],
    ],
    [
      new RowBuilder('Traffic'),
      [
        timeseries(
          'Request rate by route',
          'Requests answered per second (probes and scrapes left out).',
          'reqps',
        )
          .withTarget(
            query(
              `sum by (route, method) (rate(http_requests_total${matchers(TRAFFIC, SERVICE)}[${RATE}]))`,
              '{{method}} {{route}}',
            ),
          )
          .withTarget(
            query(
              `sum(rate(http_requests_shed_total${matchers(SERVICE)}[${RATE}]))`,
              'shed (503 before routing)',
            ),
          ),
        timeseries(
          'Errors by route and status',
          '5xx answers per second (probes left out: a draining pod answers /readyz 503 on purpose), overload 503s included, and the requests shed before routing.',
          'reqps',
        )
          .withTarget(
            query(
              `sum by (route, status) (rate(http_requests_total${matchers(TRAFFIC, 'status=~"5.."', SERVICE)}[${RATE}]))`,
              '{{status}} {{route}}',
            ),
          )
          .withTarget(query(`sum(rate(http_requests_shed_total${matchers(SERVICE)}[${RATE}]))`, '503 shed')),
        timeseries(
          'Latency p50 and p99 by route',
          'From the request histogram (bucket boundaries 1 ms … 5 s): from the first Koa middleware to the response.',
          's',
        )
          .withTarget(latencyQuantile(0.5))
          .withTarget(latencyQuantile(0.99)),
        timeseries(
          'Shed share',
          'Share of the offered requests (probes and scrapes left out) refused with 503 before routing.',
          'percentunit',
        ).withTarget(query(shedRatio(SERVICE, RATE), 'shed')),
      ],
    ],
    [
      new RowBuilder('Saturation'),
      [
        timeseries(
          'Requests in flight by pod',
          'API requests each pod is handling at the scrape (http_requests_in_flight: body still arriving ' +
            'included, shed requests excluded). The in-flight cap (chart value maxInFlight) applies to those ' +
            'whose body has arrived.',
          'short',
        ).withTarget(query(`sum by (pod) (http_requests_in_flight${matchers(SERVICE)})`, '{{pod}}')),
        timeseries(
          'Shed rate by pod',
          'Requests refused with 503 before routing, per second.',
          'reqps',
        ).withTarget(
          query(`sum by (pod) (rate(http_requests_shed_total${matchers(SERVICE)}[${RATE}]))`, '{{pod}}'),
        ),
        timeseries(
          'Event-loop delay p99 by pod',
          "How late the event loop's timers ran (prom-client's sampler); shedding starts when the loop is " +
            'saturated and late (chart value maxEventLoopDelayMs) or CPU-throttled.',
          's',
        ).withTarget(query(`max by (pod) (nodejs_eventloop_lag_p99_seconds${matchers(SERVICE)})`, '{{pod}}')),
        timeseries(
          'CPU by pod',
          'CPU seconds per second used by each process (1 = one core).',
          'short',
        ).withTarget(
          query(`sum by (pod) (rate(process_cpu_seconds_total${matchers(SERVICE)}[${RATE}]))`, '{{pod}}'),
        ),
      ],
    ],
    [
      new RowBuilder('Store and pods'),
      [
        new StateTimelinePanel()
          .title('Store state by pod')
          .description('store_up: whether each pod reaches its store (1 up, 0 down).')
          .datasource(DATASOURCE)
          .mappings([
            {
              type: MappingType.ValueToText,
              options: { '0': { text: 'down', color: 'red' }, '1': { text: 'up', color: 'green' } },
            },
          ])
          .withTarget(query(`min by (pod) (store_up${matchers(SERVICE)})`, '{{pod}}'))
          .height(8)
          .span(12),
        timeseries(
          'Pod restarts',
          'Container restarts per pod (kube-state-metrics), and pods available against desired.',
          'short',
        )
          .withTarget(
            query(
              `sum by (pod) (increase(kube_pod_container_status_restarts_total{${PODS}}[${RATE}]))`,
              'restarts {{pod}}',
            ),
          )
          .withTarget(
            query(`sum(kube_deployment_status_replicas_available{${DEPLOYMENT}})`, 'available pods'),
          )
          .withTarget(query(`sum(kube_deployment_spec_replicas{${DEPLOYMENT}})`, 'desired pods')),
      ],
    ],
  ];
  const builder = new DashboardBuilder('high-available-server')
    .uid(DASHBOARD_UID)
    .description(
      'The hello-birthday service: its SLOs (from packages/observability/slo.yaml), traffic, saturation, store and pods.',
    )
    .tags(['high-available-server', 'slo'])
    .editable()
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('namespace')
        .label('Namespace')
        .datasource(DATASOURCE)
        .query('label_values(http_requests_total, namespace)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    )
    .withVariable(
      new QueryVariableBuilder('job')
        .label('Service')
        .datasource(DATASOURCE)
        .query('label_values(http_requests_total{namespace="$namespace"}, job)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    )
    .withVariable(
      new QueryVariableBuilder('deployment')
        .label('Deployment (kube-state-metrics)')
        .description(
          "The service's Deployment, for the pod panels: the chart names it <release>-high-available-server.",
        )
        .datasource(DATASOURCE)
        .query('label_values(kube_deployment_spec_replicas{namespace="$namespace"}, deployment)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    );
  for (const [row, rowPanels] of rows) {
    builder.withRow(row);
    for (const panel of rowPanels) builder.withPanel(panel);
  }
  const dashboard = builder.build();
  // Stable ids and query letters, as Grafana would assign them on first save.
  for (const [index, panel] of (dashboard.panels ?? []).entries()) {
    panel.id = index + 1;
    if ('targets' in panel)
      for (const [position, target] of (panel.targets ?? []).entries())
        (target as { refId?: string }).refId = String.fromCharCode(65 + position);
  }
  return dashboard;
}

export function dashboardJson(slos: Slos): string {
  return `${JSON.stringify(buildDashboard(slos), null, 2)}\n`;
}
