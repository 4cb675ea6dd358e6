// @high-available-server/chart: what other packages may read from the chart (its path and values).
// The Helm render helper for tests is a separate entry point, `@high-available-server/chart/helm`.
export {
  acceptsNewRequestsSeconds,
  chartDir,
  chartValues,
  drainEndsSeconds,
  mergeValues,
  type ShutdownSettings,
  shutdownSettings,
  type Values,
} from './values.ts';
