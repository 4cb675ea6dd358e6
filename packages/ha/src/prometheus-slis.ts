import {
  API_ROUTE,
  availabilityErrorRatio,
  bucketMatcher,
  latencyErrorRatio,
  matchers,
} from '@high-available-server/observability/sli';
import type { Slos } from '@high-available-server/observability/slo';
import type { Sample } from './load-generator.js';
import type { Prometheus } from './prometheus.js';

/** Whose series the SLIs read, and the latency threshold (a bucket boundary of the histogram). */
export interface SliDefinition {
  /** PromQL label matchers of the drill's scrape job, e.g. `job="hello"`. */
  readonly selector: string;
  /** Seconds; the SLO's threshold, one of `http_request_duration_seconds`'s `le` values. */
  readonly latencyThresholdSeconds: number;
}

/** The SLO file's SLIs (observability's slo.yaml) for the series the drill's Prometheus scrapes. */
export function sliDefinition(slos: Slos, selector: string): SliDefinition {
  return { selector, latencyThresholdSeconds: slos.latency.thresholdSeconds };
}

/** One source's view of a scenario: counts, availability and the share under the latency threshold. */
export interface SliFigures {
  readonly requests: number;
  /** 5xx answers (for Prometheus: the service's own 5xx plus shed requests; for the drill: also no answer). */
  readonly errors: number;
  readonly availability: number;
  /** Of the requests answered without a 5xx, the share answered within the threshold. */
  readonly underThreshold: number;
}

function range(ms: number): string {
  return `${Math.max(1, Math.round(ms))}ms`;
}

/**
 * PromQL for one window ending at the query's evaluation time. The ratios are the SLO rules' own
 * expressions (observability's sli.ts) over the scenario's window instead of 5 min … 6 h; the counts
 * beside them use the same series. Shed requests (503 before routing) count as requests and as errors.
 * `increase`/`rate` cope with a replica's counters starting again from 0 after a restart.
 */
export function sliQueries(definition: SliDefinition, windowMs: number) {
  const r = range(windowMs);
  const { selector } = definition;
  const served = (status: string) =>
    `(sum(increase(http_requests_total${matchers(`route="${API_ROUTE}"`, status, selector)}[${r}])) or vector(0))`;
  const shed = `(sum(increase(http_requests_shed_total${matchers(selector)}[${r}])) or vector(0))`;
  return {
    requests: `${served('')} + ${shed}`,
    errors: `${served('status=~"5.."')} + ${shed}`,
    availability: `1 - (${availabilityErrorRatio(selector, r)})`,
    underThreshold: `1 - (${latencyErrorRatio(selector, r, definition.latencyThresholdSeconds)})`,
    /** The threshold is a bucket boundary of the histogram (else the latency SLI cannot be computed). */
    thresholdBucket: `count(http_request_duration_seconds_bucket${matchers(`route="${API_ROUTE}"`, bucketMatcher(definition.latencyThresholdSeconds), selector)})`,
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

/**
 * The same SLIs from the drill's own samples (end to end through the load balancer): no answer counts as a
 * 5xx; latency is judged on the requests answered without a 5xx, as the SLO does.
 */
export function clientSlis(samples: readonly Sample[], thresholdSeconds: number): SliFigures {
  const isError = (s: Sample) => s.status === 0 || s.status >= 500;
  const errors = samples.filter(isError).length;
  const good = samples.filter((s) => !isError(s));
  const fast = good.filter((s) => s.latencyMs <= thresholdSeconds * 1000).length;
  return {
    requests: samples.length,
    errors,
    availability: samples.length > 0 ? 1 - errors / samples.length : Number.NaN,
    underThreshold: good.length > 0 ? fast / good.length : Number.NaN,
  };
}
