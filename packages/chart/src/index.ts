// @high-available-server/chart: what other packages may read from the chart (its path and values),
// in one file without relative imports, so it loads under plain Node too. The Helm render helper for
// tests is a separate entry point, `@high-available-server/chart/helm`.
//
// The chart's values as Helm sees them, for the programs that must agree with the chart without
// rendering it: the Pulumi program (the ALB's deregistration delay follows the drain timings) and the
// HA drill (it drains its replicas with the same timings). values.yaml is the one home of these numbers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Absolute path of the chart (what `helm install` and Pulumi's Helm release take). */
export const chartDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type Values = Record<string, unknown>;

function isMap(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Helm's merge of a values file over the values so far: maps merge key by key, a null deletes. */
export function mergeValues(base: Values, override: Values): Values {
  const merged: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete merged[key];
    else if (isMap(value) && isMap(merged[key])) merged[key] = mergeValues(merged[key], value);
    else merged[key] = value;
  }
  return merged;
}

function readValuesFile(file: string): Values {
  const parsed: unknown = parse(readFileSync(path.resolve(chartDir, file), 'utf8'));
  if (parsed === null || parsed === undefined) return {};
  if (!isMap(parsed)) throw new Error(`${file}: a values file must be a map`);
  return parsed;
}

/**
 * values.yaml with each file merged over it, in order, as `helm install -f a -f b` would.
 * @param valuesFiles paths relative to the chart (e.g. 'values-eks.yaml') or absolute
 */
export function chartValues(valuesFiles: readonly string[] = []): Values {
  return ['values.yaml', ...valuesFiles].map(readValuesFile).reduce(mergeValues, {});
}

/** The chart's `shutdown` block: the drain timeline of a deleted pod. */
export interface ShutdownSettings {
  /** preStop sleep: the pod keeps serving normally while load balancers stop sending to it. */
  readonly preStopSleepSeconds: number;
  /** SHUTDOWN_DELAY_MS: after SIGTERM, /readyz answers 503 and the pod still serves. */
  readonly delayMs: number;
  /** SHUTDOWN_TIMEOUT_MS: bound on draining in-flight requests before a forced exit. */
  readonly timeoutMs: number;
  /** From the start of the deletion to SIGKILL. */
  readonly terminationGracePeriodSeconds: number;
}

const shutdownKeys = [
  'preStopSleepSeconds',
  'delayMs',
  'timeoutMs',
  'terminationGracePeriodSeconds',
] as const;

/** The drain timings a release with these values files runs with. */
export function shutdownSettings(valuesFiles: readonly string[] = []): ShutdownSettings {
  const shutdown = chartValues(valuesFiles).shutdown;
  if (!isMap(shutdown)) throw new Error('the chart values have no shutdown block');
  for (const key of shutdownKeys) {
    const value = shutdown[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      throw new Error(`shutdown.${key} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return Object.fromEntries(shutdownKeys.map((key) => [key, shutdown[key]])) as unknown as ShutdownSettings;
}

/**
 * Seconds from the start of a pod's deletion until it has surely stopped serving: preStop, then the
 * shutdown delay and the drain bound. A load balancer must keep a deregistered target at least this
 * long, or it cuts requests the pod is still answering.
 */
export function drainEndsSeconds(settings: ShutdownSettings): number {
  return settings.preStopSleepSeconds + Math.ceil((settings.delayMs + settings.timeoutMs) / 1000);
}

/** Seconds from the start of a pod's deletion during which it still accepts new requests. */
export function acceptsNewRequestsSeconds(settings: ShutdownSettings): number {
  return settings.preStopSleepSeconds + settings.delayMs / 1000;
}
