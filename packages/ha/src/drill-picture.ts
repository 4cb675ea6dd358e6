import type { Sample } from './load-generator.js';
import { percentile } from './stats.js';
import type { EventKind, TimelineEvent } from './timeline.js';

/** What the picture shows of one scenario. */
export interface PictureScenario {
  readonly title: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly samples: readonly Sample[];
  readonly events: readonly TimelineEvent[];
  readonly verdictsFailed: number;
  readonly verdictsTotal: number;
}

export interface PictureOptions {
  /** One line under the title: when, where, on what. */
  readonly subtitle: string;
  /** Width of a time bucket in ms (throughput and p99 are per bucket). */
  readonly bucketMs?: number;
  /** Latency threshold of the SLI, drawn on the p99 panel (ms). */
  readonly latencyThresholdMs?: number;
}

/** Counts and p99 of the requests due in one bucket. */
export interface Bucket {
  /** Start of the bucket, ms from the scenario's start. */
  readonly fromMs: number;
  /** Its width: `bucketMs`, less for the last one when the scenario ends inside it. */
  readonly widthMs: number;
  readonly ok: number;
  readonly refused: number;
  readonly failed: number;
  /** p99 latency of the bucket's requests (ms), NaN when it has none. */
  readonly p99Ms: number;
}

/** The scenario's requests in buckets of `bucketMs` by the time they were due. */
export function bucketize(scenario: PictureScenario, bucketMs: number): Bucket[] {
  const durationMs = Math.max(1, scenario.endedAt - scenario.startedAt);
  const count = Math.max(1, Math.ceil(durationMs / bucketMs));
  const groups: Sample[][] = Array.from({ length: count }, () => []);
  for (const sample of scenario.samples) {
    const index = Math.floor((sample.scheduledAt - scenario.startedAt) / bucketMs);
    groups[Math.min(count - 1, Math.max(0, index))]?.push(sample);
  }
  return groups.map((group, i) => ({
    fromMs: i * bucketMs,
    widthMs: Math.min(bucketMs, durationMs - i * bucketMs),
    ok: group.filter((s) => s.outcome === 'ok').length,
    refused: group.filter((s) => s.outcome === 'unavailable').length,
    failed: group.filter((s) => s.outcome === 'failed').length,
    p99Ms:
      group.length > 0
        ? percentile(
            group.map((s) => s.latencyMs).sort((a, b) => a - b),
            0.99,
          )
        : Number.NaN,
  }));
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const colours = {
  ok: '#2e7d32',
  refused: '#f9a825',
  failed: '#c62828',
  latency: '#1565c0',
  grid: '#e0e0e0',
  axis: '#616161',
  fault: '#c62828',
  recovery: '#2e7d32',
  phase: '#757575',
} as const;

const eventStyle: Record<EventKind, string> = {
  fault: `stroke="${colours.fault}" stroke-dasharray="4 2"`,
  recovery: `stroke="${colours.recovery}" stroke-dasharray="4 2"`,
  phase: `stroke="${colours.phase}" stroke-dasharray="1 3"`,
};

/** A round upper bound for an axis (1, 2, 5 × 10^n). */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((step) => step * magnitude >= value) ?? 10) * magnitude;
}

const pictureTitle = 'HA drill: three replicas behind HAProxy, open-loop load, faults marked';
const width = 980;
const left = 64;
const right = 16;
const plotWidth = width - left - right;
const panelHeight = 92;
const panelGap = 22;
const labelRowHeight = 13;

/**
 * One self-contained SVG (no script, no external font or file): per scenario, answers per second (OK),
 * refusals and failures per second, and p99 latency (log scale) over time, with the drill's fault and
 * recovery moments as vertical lines. Readable on GitHub, in a browser, or in an image viewer.
 */
export function drillPicture(scenarios: readonly PictureScenario[], options: PictureOptions): string {
  const bucketMs = options.bucketMs ?? 500;
  const parts: string[] = [];
  let y = 0;
  const text = (x: number, ty: number, content: string, attrs = '') =>
    parts.push(`<text x="${x.toFixed(1)}" y="${ty.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`);

  text(left, 22, pictureTitle, 'class="title"');
  text(left, 40, options.subtitle, 'class="sub"');
  // Legend.
  const legend: [string, string][] = [
    [colours.ok, 'answered OK'],
    [colours.refused, 'refused (503)'],
    [colours.failed, 'failed (wrong answer, 5xx other than a refusal, no answer)'],
    [colours.latency, 'p99 latency'],
  ];
  let lx = left;
  for (const [colour, label] of legend) {
    parts.push(`<rect x="${lx}" y="50" width="10" height="10" fill="${colour}"/>`);
    text(lx + 14, 59, label, 'class="small"');
    lx += 24 + label.length * 5.6;
  }
  text(
    left,
    76,
    'vertical lines: red dashed = a fault the drill caused, green dashed = recovery, grey dotted = a phase',
    'class="small"',
  );
  y = 92;

  for (const scenario of scenarios) {
    const durationMs = Math.max(1, scenario.endedAt - scenario.startedAt);
    const xOf = (ms: number) => left + (Math.min(Math.max(ms, 0), durationMs) / durationMs) * plotWidth;
    const buckets = bucketize(scenario, bucketMs);
    const barWidth = (b: Bucket) => Math.max(1, (b.widthMs / durationMs) * plotWidth - 0.5).toFixed(1);
    // Per second over the bucket's own width (the last one may be cut short by the scenario's end).
    const perSecond = (b: Bucket, n: number) => (n * 1000) / b.widthMs;
    const verdict =
      scenario.verdictsFailed === 0
        ? `all ${scenario.verdictsTotal} verdicts passed`
        : `${scenario.verdictsFailed} of ${scenario.verdictsTotal} verdicts FAILED`;
    text(left, y + 14, scenario.title, 'class="heading"');
    text(
      left,
      y + 28,
      verdict,
      `class="small" fill="${scenario.verdictsFailed === 0 ? colours.ok : colours.failed}"`,
    );
    y += 36;

    // Event labels in rows, so neighbours do not overlap.
    const events = [...scenario.events].sort((a, b) => a.at - b.at);
    const rowEnds: number[] = [];
    const placed = events.map((event) => {
      const x = xOf(event.at - scenario.startedAt);
      const labelWidth = event.label.length * 5.4 + 6;
      let row = rowEnds.findIndex((end) => end < x);
      if (row === -1) {
        row = rowEnds.length;
        rowEnds.push(0);
      }
      rowEnds[row] = x + labelWidth;
      return { event, x, row };
    });
    const labelsHeight = Math.max(1, rowEnds.length) * labelRowHeight + 4;
    for (const { event, x, row } of placed) {
      text(
        x + 2,
        y + (row + 1) * labelRowHeight - 3,
        event.label,
        `class="event" fill="${colours[event.kind]}"`,
      );
    }
    y += labelsHeight + 14;
    const panelsTop = y;

    const panel = (title: string, draw: (top: number) => void) => {
      parts.push(
        `<rect x="${left}" y="${y}" width="${plotWidth}" height="${panelHeight}" fill="none" stroke="${colours.grid}"/>`,
      );
      text(left, y - 4, title, 'class="small"');
      draw(y);
      y += panelHeight + panelGap;
    };
    const yAxis = (top: number, max: number, unit: string) => {
      text(left - 4, top + 9, `${max}${unit}`, 'class="axis" text-anchor="end"');
      text(left - 4, top + panelHeight, `0`, 'class="axis" text-anchor="end"');
    };

    // 1. Answered OK per second.
    const okMax = niceMax(Math.max(...buckets.map((b) => perSecond(b, b.ok))));
    panel('answered OK per second', (top) => {
      yAxis(top, okMax, '/s');
      for (const b of buckets) {
        const h = (perSecond(b, b.ok) / okMax) * panelHeight;
        if (h > 0)
          parts.push(
            `<rect x="${xOf(b.fromMs).toFixed(1)}" y="${(top + panelHeight - h).toFixed(1)}" width="${barWidth(b)}" height="${h.toFixed(1)}" fill="${colours.ok}"/>`,
          );
      }
    });
    // 2. Refused and failed per second (stacked), on their own scale: a few failures must be visible.
    const badMax = niceMax(Math.max(1, ...buckets.map((b) => perSecond(b, b.refused + b.failed))));
    const refusedTotal = buckets.reduce((n, b) => n + b.refused, 0);
    const failedTotal = buckets.reduce((n, b) => n + b.failed, 0);
    panel(
      `refused (503) and failed per second: ${refusedTotal} refused, ${failedTotal} failed in all`,
      (top) => {
        yAxis(top, badMax, '/s');
        for (const b of buckets) {
          const failedH = (perSecond(b, b.failed) / badMax) * panelHeight;
          const refusedH = (perSecond(b, b.refused) / badMax) * panelHeight;
          const x = xOf(b.fromMs).toFixed(1);
          if (failedH > 0)
            parts.push(
              `<rect x="${x}" y="${(top + panelHeight - failedH).toFixed(1)}" width="${barWidth(b)}" height="${failedH.toFixed(1)}" fill="${colours.failed}"/>`,
            );
          if (refusedH > 0)
            parts.push(
              `<rect x="${x}" y="${(top + panelHeight - failedH - refusedH).toFixed(1)}" width="${barWidth(b)}" height="${refusedH.toFixed(1)}" fill="${colours.refused}"/>`,
            );
        }
      },
    );
    // 3. p99 latency, log scale from 1 ms to 10 s.
    const logMin = 0;
    const logMax = 4;
    const yLatency = (top: number, ms: number) =>
      top +
      panelHeight -
      ((Math.log10(Math.max(1, Math.min(ms, 10_000))) - logMin) / (logMax - logMin)) * panelHeight;
    panel(`p99 latency per ${bucketMs} ms of due requests (log scale)`, (top) => {
      for (const [ms, label] of [
        [10, '10 ms'],
        [100, '100 ms'],
        [1000, '1 s'],
      ] as const) {
        const gy = yLatency(top, ms).toFixed(1);
        parts.push(
          `<line x1="${left}" x2="${left + plotWidth}" y1="${gy}" y2="${gy}" stroke="${colours.grid}"/>`,
        );
        text(left - 4, Number(gy) + 3, label, 'class="axis" text-anchor="end"');
      }
      text(left - 4, top + 9, '10 s', 'class="axis" text-anchor="end"');
      text(left - 4, top + panelHeight, '1 ms', 'class="axis" text-anchor="end"');
      if (options.latencyThresholdMs) {
        const ty = yLatency(top, options.latencyThresholdMs).toFixed(1);
        parts.push(
          `<line x1="${left}" x2="${left + plotWidth}" y1="${ty}" y2="${ty}" stroke="${colours.latency}" stroke-dasharray="2 4" opacity="0.6"/>`,
        );
        text(
          left + plotWidth - 2,
          Number(ty) - 3,
          `SLI threshold ${options.latencyThresholdMs} ms`,
          'class="axis" text-anchor="end"',
        );
      }
      // One line per run of buckets with requests: a gap (no request due) is left blank, not bridged.
      const runs: string[][] = [[]];
      for (const b of buckets) {
        if (!Number.isFinite(b.p99Ms)) {
          if ((runs.at(-1) ?? []).length > 0) runs.push([]);
          continue;
        }
        runs
          .at(-1)
          ?.push(
            `${(xOf(b.fromMs) + (b.widthMs / 2 / durationMs) * plotWidth).toFixed(1)},${yLatency(top, b.p99Ms).toFixed(1)}`,
          );
      }
      for (const points of runs.filter((r) => r.length > 0))
        parts.push(
          `<polyline points="${points.join(' ')}" fill="none" stroke="${colours.latency}" stroke-width="1.5"/>`,
        );
    });
    // Time axis under the last panel.
    const seconds = durationMs / 1000;
    const step = seconds > 30 ? 10 : seconds > 12 ? 5 : 2;
    for (let s = 0; s <= seconds; s += step) {
      text(xOf(s * 1000), y - panelGap + 12, `${s} s`, 'class="axis" text-anchor="middle"');
    }
    // Event lines across the three panels.
    // Event lines from under their label down across the three panels.
    const labelsTop = panelsTop - 14 - labelsHeight;
    for (const { event, x, row } of placed) {
      const top = labelsTop + (row + 1) * labelRowHeight + 1;
      parts.push(
        `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${top}" y2="${(y - panelGap).toFixed(1)}" ${eventStyle[event.kind]}/>`,
      );
    }
    y += 14;
  }

  const height = Math.ceil(y);
  // What a screen reader (and an image search) gets instead of the drawing.
  const summary = scenarios
    .map(
      (s) =>
        `${s.title}: ${s.verdictsFailed === 0 ? 'all verdicts passed' : `${s.verdictsFailed} of ${s.verdictsTotal} verdicts failed`}`,
    )
    .join('; ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(pictureTitle)}</title>`,
    `<desc>${escapeXml(`${options.subtitle}. ${summary}.`)}</desc>`,
    '<style>.title{font-size:17px;font-weight:bold}.sub{font-size:12px;fill:#424242}.heading{font-size:14px;font-weight:bold}.small{font-size:11px;fill:#212121}.axis{font-size:10px;fill:#616161}.event{font-size:10px}</style>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
