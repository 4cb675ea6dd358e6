import type { Sample } from './load-generator.js';

export interface LoadSummary {
  readonly requests: number;
  /** Answers per second over the span from the first due request to the last answer. */
  readonly rps: number;
  readonly ok: number;
  readonly unavailable: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** The smallest of `values` (Infinity when empty); a loop, as a long run has too many samples to spread into Math.min. */
export function lowest(values: Iterable<number>): number {
  let result = Number.POSITIVE_INFINITY;
  for (const value of values) if (value < result) result = value;
  return result;
}

/** The largest of `values` (-Infinity when empty). */
export function highest(values: Iterable<number>): number {
  let result = Number.NEGATIVE_INFINITY;
  for (const value of values) if (value > result) result = value;
  return result;
}

/** Nearest-rank percentile of an ascending array (0 when empty). */
export function percentile(sortedAscending: readonly number[], fraction: number): number {
  if (sortedAscending.length === 0) return 0;
  const rank = Math.min(
    sortedAscending.length - 1,
    Math.max(0, Math.ceil(fraction * sortedAscending.length) - 1),
  );
  return sortedAscending[rank] as number;
}

export function summarize(samples: readonly Sample[]): LoadSummary {
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const first = lowest(samples.map((s) => s.scheduledAt));
  const last = highest(samples.map((s) => s.endedAt));
  const spanS = samples.length > 0 ? (last - first) / 1000 : 0;
  const count = (outcome: Sample['outcome']) => samples.filter((s) => s.outcome === outcome).length;
  return {
    requests: samples.length,
    rps: spanS > 0 ? samples.length / spanS : 0,
    ok: count('ok'),
    unavailable: count('unavailable'),
    failed: count('failed'),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.at(-1) ?? 0,
  };
}

/** Most frequent failure details, for the report ("GET 502 …" × 3). */
export function topDetails(samples: readonly Sample[], limit = 5): string[] {
  const counts = new Map<string, number>();
  for (const sample of samples) {
    const key = (sample.detail ?? `${sample.status}`).replace(/[a-z]{8,}x[a-z]+/g, '<user>');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([detail, n]) => `${n} × ${detail}`);
}

/** When the failures happened relative to an event (kill, database stop), for the report. */
export function failureWindow(failures: readonly Sample[], eventAt: number, event: string): string[] {
  if (failures.length === 0) return [];
  const due = failures.map((s) => s.scheduledAt - eventAt);
  const answered = failures.map((s) => s.endedAt - eventAt);
  const span = (values: number[]) => `${Math.round(lowest(values))}…${Math.round(highest(values))} ms`;
  return [`failures were due ${span(due)} and answered ${span(answered)} after the ${event}`];
}
