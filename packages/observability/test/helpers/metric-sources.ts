/**
 * Metrics the rules and the dashboard may name besides what a scrape of the real service shows.
 */

/** Promised by CONTRACTS.md ("The store's state shows as the `store_up` gauge (1/0)"), exported once the service session lands it. */
export const CONTRACTED_SERVICE_METRICS = ['store_up'] as const;

/**
 * kube-state-metrics v2 (docs/metrics/workload/deployment-metrics.md and pod-metrics.md of
 * kubernetes/kube-state-metrics, all STABLE): the only ones the rules and dashboard read.
 */
export const KUBE_STATE_METRICS = [
  'kube_deployment_spec_replicas',
  'kube_deployment_status_replicas_available',
  'kube_pod_container_status_restarts_total',
] as const;

/** Prometheus's own per-target series. */
export const PROMETHEUS_METRICS = ['up'] as const;
