import { parser } from '@prometheus-io/lezer-promql';

/** Grafana's variables, replaced by values a Prometheus would accept, so a panel query can be parsed. */
export function withGrafanaVariables(query: string): string {
  return query
    .replaceAll('$__rate_interval', '2m')
    .replaceAll('$__range', '6h')
    .replaceAll('$__interval', '30s')
    .replaceAll('$namespace', 'hello-ns')
    .replaceAll('$job', 'hello-high-available-server')
    .replaceAll('$deployment', 'hello-high-available-server');
}

/** Offsets of the syntax errors the PromQL grammar (Prometheus's own, lezer-promql) finds; empty when it parses. */
export function syntaxErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
    },
  });
  return errors;
}

/** Every metric name a PromQL expression selects. */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  const tree = parser.parse(expr);
  tree.iterate({
    enter(node) {
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector')
        names.add(expr.slice(node.from, node.to));
    },
  });
  return [...names].sort();
}
