import { performance } from 'node:perf_hooks';
import type { Sample } from './load-generator.js';

/** What a marked moment was: a fault the drill caused, or the system coming back. */
export type EventKind = 'fault' | 'recovery' | 'phase';

export interface TimelineEvent {
  /** performance.now() of the moment. */
  readonly at: number;
  readonly label: string;
  readonly kind: EventKind;
}

/** Everything one scenario sent and did, in time order: what the picture and Prometheus' window are made of. */
export class ScenarioTimeline {
  readonly title: string;
  readonly startedAt = performance.now();
  #endedAt: number | undefined;
  readonly samples: Sample[] = [];
  readonly events: TimelineEvent[] = [];

  constructor(title: string) {
    this.title = title;
  }

  record(sample: Sample): void {
    this.samples.push(sample);
  }

  /** Marks a moment (SIGTERM r1, database stop…) at `at`, or now. */
  mark(label: string, kind: EventKind, at: number = performance.now()): void {
    this.events.push({ at, label, kind });
  }

  end(): void {
    this.#endedAt ??= performance.now();
  }

  get endedAt(): number {
    return this.#endedAt ?? performance.now();
  }

  /**
   * When the scenario's load was over (its last answer): the range its SLIs and picture cover. What a
   * scenario does afterwards (reading every acknowledged write back) is checking, not traffic to judge.
   */
  get loadEndedAt(): number {
    let last = Number.NEGATIVE_INFINITY;
    for (const sample of this.samples) last = Math.max(last, sample.endedAt);
    return Number.isFinite(last) ? Math.min(last, this.endedAt) : this.endedAt;
  }

  /** Epoch ms of a performance.now() value (for Prometheus' API). */
  static epochMs(at: number): number {
    return performance.timeOrigin + at;
  }
}
