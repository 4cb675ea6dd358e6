import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** Whether to refuse the request at hand; asked once per request, so it must be cheap. */
export interface LoadSignal {
  shouldShed(): boolean;
}

export interface EventLoopLoadMonitor extends LoadSignal {
  /** The share of requests currently refused, 0…1. */
  readonly shedFraction: number;
  stop(): void;
}

// Additive increase while saturated, halving once clearly not: the refused share settles near where the
// admitted work matches what the CPU can do, instead of flapping between "take everything" and "refuse
// everything" (each "take everything" phase queues seconds of work on a CPU-limited pod), and it is gone
// within about a second of the load falling.
const SHED_STEP_UP = 0.2;
const SHED_DECAY = 0.5;
const SHED_FLOOR = 0.02;

/**
 * Load shedding driven by event-loop delay. An in-flight counter alone sheds too late on a CPU-limited
 * pod: requests queue in the socket and the event loop before any middleware can count them, probes time
 * out and the load balancer drops every replica at once. Event-loop delay sees that queue. Each window,
 * the shed fraction rises while the p99 delay exceeds `maxDelayMs` and halves while it is under half
 * of it. The per-request cost is one comparison (and a random draw while shedding).
 */
export function monitorEventLoopLoad({
  maxDelayMs,
  windowMs,
  onChange,
}: {
  maxDelayMs: number;
  windowMs: number;
  /** Called when shedding starts or stops, with the delay that decided it (one log line, not one per request). */
  onChange?: (shedding: boolean, delayMs: number) => void;
}): EventLoopLoadMonitor {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let shedFraction = 0;
  let lastTick = performance.now();
  const timer = setInterval(() => {
    // The window timer's own lateness is the delay it suffered; the histogram holds the finer samples
    // (which may land just after this tick when both timers were held up by the same block).
    const now = performance.now();
    const lateness = now - lastTick - windowMs;
    lastTick = now;
    const delayMs = Math.max(lateness, histogram.percentile(99) / 1e6);
    histogram.reset();
    const wasShedding = shedFraction > 0;
    if (delayMs > maxDelayMs) shedFraction = Math.min(1, shedFraction + SHED_STEP_UP);
    else if (delayMs < maxDelayMs / 2) {
      shedFraction *= SHED_DECAY;
      if (shedFraction < SHED_FLOOR) shedFraction = 0;
    }
    if (wasShedding !== shedFraction > 0) onChange?.(shedFraction > 0, Math.round(delayMs));
  }, windowMs);
  timer.unref();
  return {
    get shedFraction() {
      return shedFraction;
    },
    shouldShed: () => shedFraction > 0 && Math.random() < shedFraction,
    stop() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}

/** For tests and for deployments that turn shedding off (`MAX_EVENT_LOOP_DELAY_MS=0`). */
export const NEVER_OVERLOADED: LoadSignal = { shouldShed: () => false };
