import { fileURLToPath } from 'node:url';
import { Document, isPair, isScalar, Scalar, visit } from 'yaml';
import { ruleGroups } from './rules.js';
import type { Slos } from './slo.js';

/** Where the generated files go in the chart. */
export const chartFiles = {
  prometheusRule: fileURLToPath(new URL('../../chart/templates/prometheusrule.yaml', import.meta.url)),
  dashboard: fileURLToPath(new URL('../../chart/dashboards/high-available-server.json', import.meta.url)),
};

/** The server container of the chart's Deployment (templates/deployment.yaml); a test checks they agree. */
export const SERVER_CONTAINER = 'server';

/** Prometheus's own `{{ … }}` in annotations, wrapped in a Go raw string so Helm prints it untouched. */
function escapeForHelm(prometheusTemplate: string): string {
  return prometheusTemplate.replace(/\{\{.*?\}\}/g, (action) => `{{\`${action}\`}}`);
}

const HEADER = `{{- /*
Generated from packages/observability/slo.yaml by packages/observability/src/chart-files.ts: do not edit.
Change the SLOs there, then run: pnpm --filter @high-available-server/observability generate
The rules read the series the ServiceMonitor scrapes, so they render with it.
*/}}
{{- if and .Values.serviceMonitor.enabled .Values.observability.prometheusRule.enabled }}
{{- $fullname := include "has.fullname" . }}
{{- /* job = the label the ServiceMonitor gives its targets (relabelled to the full name). */}}
{{- $job := $fullname }}
{{- $runbooks := .Values.observability.prometheusRule.runbookBaseUrl | default "docs/runbooks" | trimSuffix "/" }}
{{- $labels := merge (dict) .Values.observability.prometheusRule.labels .Values.serviceMonitor.labels }}
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {{ $fullname }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "has.labels" . | nindent 4 }}
    {{- with $labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
`;

/**
 * The chart's PrometheusRule template: every rule group, selecting this release's series (namespace and
 * job = the Service's name, as a ServiceMonitor labels them) and linking the runbooks under
 * observability.prometheusRule.runbookBaseUrl.
 */
export function prometheusRuleTemplate(slos: Slos): string {
  const groups = ruleGroups(slos, {
    service: 'namespace="{{ .Release.Namespace }}", job="{{ $job }}"',
    kubernetes: {
      namespace: '{{ .Release.Namespace }}',
      deployment: '{{ $fullname }}',
      container: SERVER_CONTAINER,
    },
    runbookUrl: (alert) => `{{ $runbooks }}/${alert}.md`,
  }).map((group) => ({
    ...group,
    rules: group.rules.map((rule) =>
      'alert' in rule
        ? {
            ...rule,
            annotations: {
              summary: escapeForHelm(rule.annotations.summary),
              description: escapeForHelm(rule.annotations.description),
              runbook_url: rule.annotations.runbook_url,
            },
          }
        : rule,
    ),
  }));
  const document = new Document({ groups });
  // Expressions and descriptions as literal blocks: read as written, and Helm's quotes inside them
  // (`include "has.fullname"`) never meet YAML's.
  visit(document, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || !isScalar(pair.value)) return;
      if (pair.key.value === 'expr' || pair.key.value === 'description')
        (pair.value as Scalar).type = Scalar.BLOCK_LITERAL;
    },
  });
  const body = document.toString({ lineWidth: 0, indent: 2, indentSeq: true });
  const indented = body
    .trimEnd()
    .split('\n')
    .map((line) => (line.length > 0 ? `  ${line}` : line))
    .join('\n');
  return `${HEADER}${indented}\n{{- end }}\n`;
}
