import test from 'ava';
import { bucketize, drillPicture, type PictureScenario } from '../src/drill-picture.js';
import type { Sample } from '../src/load-generator.js';

const sample = (scheduledAt: number, outcome: Sample['outcome'], latencyMs: number): Sample => ({
  kind: 'get',
  scheduledAt,
  sendLagMs: 0,
  endedAt: scheduledAt + latencyMs,
  latencyMs,
  status: outcome === 'ok' ? 200 : outcome === 'unavailable' ? 503 : 0,
  outcome,
});

const scenario: PictureScenario = {
  title: 'Crash & <restart>',
  startedAt: 1000,
  endedAt: 3000,
  samples: [
    sample(1000, 'ok', 2),
    sample(1100, 'ok', 4),
    sample(1600, 'unavailable', 1),
    sample(1700, 'failed', 5000),
    sample(2600, 'ok', 3),
  ],
  events: [
    { at: 1500, label: 'SIGKILL r2', kind: 'fault' },
    { at: 2500, label: 'new r2 UP', kind: 'recovery' },
  ],
  verdictsFailed: 1,
  verdictsTotal: 4,
};

test('requests are bucketed by the time they were due: OK, refused and failed counts and p99 per bucket', (t) => {
  const buckets = bucketize(scenario, 500);
  t.is(buckets.length, 4);
  t.like(buckets[0], { fromMs: 0, ok: 2, refused: 0, failed: 0, p99Ms: 4 });
  t.like(buckets[1], { fromMs: 500, ok: 0, refused: 1, failed: 1, p99Ms: 5000 });
  t.true(Number.isNaN(buckets[2]?.p99Ms));
  t.like(buckets[3], { ok: 1, widthMs: 500 });
  // A scenario ending inside a bucket: the last one is as wide as what is left, so its rate is not diluted.
  const cut = bucketize({ ...scenario, endedAt: 3200 }, 500);
  t.is(cut.length, 5);
  t.is(cut[4]?.widthMs, 200);
});

test('the picture is one self-contained SVG with every fault and recovery marked and the verdicts stated', (t) => {
  const svg = drillPicture([scenario], { subtitle: 'test run', latencyThresholdMs: 250 });
  t.true(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" role="img"'));
  // Described for those who cannot see it.
  t.regex(svg, /<title>HA drill: [^<]+<\/title>/);
  t.true(svg.includes('<desc>test run. Crash &amp; &lt;restart&gt;: 1 of 4 verdicts failed.</desc>'));
  t.true(svg.trimEnd().endsWith('</svg>'));
  // Nothing it needs lives elsewhere: no script, no link, no external image or font.
  t.false(/<script|href=|@import|url\(/.test(svg));
  t.true(svg.includes('>SIGKILL r2</text>'));
  t.true(svg.includes('>new r2 UP</text>'));
  t.true(svg.includes('Crash &amp; &lt;restart&gt;'));
  t.true(svg.includes('1 of 4 verdicts FAILED'));
  t.true(svg.includes('1 refused, 1 failed in all'));
  // One vertical line per event, coloured by kind.
  t.is((svg.match(/stroke="#c62828" stroke-dasharray="4 2"/g) ?? []).length, 1);
  t.is((svg.match(/stroke="#2e7d32" stroke-dasharray="4 2"/g) ?? []).length, 1);
});
