import type { Sample } from './load-generator.js';
import type { Prometheus } from './prometheus.js';

/** Which requests the SLIs are about, and the latency threshold (a bucket boundary of the histogram). */
export interface SliDefinition {
  /** Regex on the `route` label (route templates, e.g. /hello/:username). */
  readonly route: string;
  /** Seconds; must be one of `http_request_duration_seconds`'s `le` values. */
  readonly latencyThresholdSeconds: number;
}

/**
 * The drill's SLIs until the SLO file exists (issue 17 point 1 makes it the one home): the share of /hello
 * requests not answered 5xx, and the share served within 250 ms (a bucket boundary; well above the p99
 * of a quiet run, well below the drill's 5 s timeout).
 */
export const drillSlis: SliDefinition = { route: '/hello.*', latencyThresholdSeconds: 0.25 };

/** One source's view of a scenario: counts, availability and the share under the latency threshold. */
export interface SliFigures {
  readonly requests: number;
  /** 5xx answers (for Prometheus: the service's own 5xx plus shed requests; for the drill: also no answer). */
  readonly errors: number;
  readonly availability: number;
  readonly underThreshold: number;
}

function range(ms: number): string {
  return `${Math.max(1, Math.round(ms))}ms`;
}

/**
 * PromQL for one window ending at the query's evaluation time. Shed requests (503 written before Koa) are
 * not in the request histogram; they are counted from `http_requests_shed_total` and count as errors.
 * `increase` copes with a replica's counters starting again from 0 after a restart.
 */
export function sliQueries(definition: SliDefinition, windowMs: number) {
  const r = range(windowMs);
  const hello = `route=~"${definition.route}"`;
  const served = `sum(increase(http_request_duration_seconds_count{${hello}}[${r}]))`;
  const errors5xx = `(sum(increase(http_request_duration_seconds_count{${hello},status=~"5.."}[${r}])) or vector(0))`;
  const shed = `(sum(increase(http_requests_shed_total[${r}])) or vector(0))`;
  const fast = `sum(increase(http_request_duration_seconds_bucket{${hello},le="${definition.latencyThresholdSeconds}"}[${r}]))`;
  return {
    requests: `${served} + ${shed}`,
    errors: `${errors5xx} + ${shed}`,
    availability: `1 - (${errors5xx} + ${shed}) / (${served} + ${shed})`,
    underThreshold: `${fast} / ${served}`,
    /** The threshold is a bucket boundary of the histogram (else the latency SLI cannot be computed). */
    thresholdBucket: `count(http_request_duration_seconds_bucket{${hello},le="${definition.latencyThresholdSeconds}"})`,
  };
}

/** The SLIs as Prometheus computes them over [startMs, endMs] (epoch ms); NaN where it has no data. */
export async function prometheusSlis(
  prometheus: Prometheus,
  definition: SliDefinition,
  window: { startMs: number; endMs: number },
): Promise<SliFigures> {
  const queries = sliQueries(definition, window.endMs - window.startMs);
  const one = async (expr: string) => (await prometheus.query(expr, window.endMs))[0]?.value ?? Number.NaN;
  const [requests, errors, availability, underThreshold] = await Promise.all([
    one(queries.requests),
    one(queries.errors),
    one(queries.availability),
    one(queries.underThreshold),
  ]);
  return { requests, errors, availability, underThreshold };
}

/** The same SLIs from the drill's own samples (end to end through the load balancer). */
export function clientSlis(samples: readonly Sample[], definition: SliDefinition): SliFigures {
  const errors = samples.filter((s) => s.status === 0 || s.status >= 500).length;
  const answered = samples.filter((s) => s.status !== 0);
  const fast = answered.filter((s) => s.latencyMs <= definition.latencyThresholdSeconds * 1000).length;
  return {
    requests: samples.length,
    errors,
    availability: samples.length > 0 ? 1 - errors / samples.length : Number.NaN,
    underThreshold: answered.length > 0 ? fast / answered.length : Number.NaN,
  };
}
