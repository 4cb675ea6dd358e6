import test from 'ava';
import type { Sample } from '../src/load-generator.js';
import { summarize } from '../src/stats.js';

const sample = (i: number, latencyMs: number): Sample => ({
  kind: 'get',
  scheduledAt: i * 3.333,
  sendLagMs: 0,
  endedAt: i * 3.333 + latencyMs,
  latencyMs,
  status: 200,
  outcome: 'ok',
});

test('a production-scale run (300 req/s for 20 min) is summarized: rate, percentiles, counts', (t) => {
  const samples = Array.from({ length: 360_000 }, (_, i) => sample(i, i % 50 === 0 ? 50 : 2));
  const summary = summarize(samples);
  t.is(summary.requests, 360_000);
  t.is(summary.ok, 360_000);
  t.is(Math.round(summary.rps), 300);
  t.is(summary.p50Ms, 2);
  t.is(summary.p99Ms, 50);
  t.is(summary.maxMs, 50);
});
