import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** Whether the process is too busy to take more work; read on every request, so it is a plain field. */
export interface LoadSignal {
  readonly overloaded: boolean;
}

export interface EventLoopLoadMonitor extends LoadSignal {
  stop(): void;
}

/**
 * Marks the process overloaded while the event loop's p99 delay over the last window exceeds
 * `maxDelayMs`. An in-flight counter alone sheds too late on a CPU-limited pod: requests queue in the
 * socket and the event loop before any middleware can count them, probes time out and the load balancer
 * drops every replica at once. Event-loop delay sees that queue; shedding then answers 503 cheaply
 * until the delay falls back. The check per request is one field read; the work is one timer per window.
 */
export function monitorEventLoopLoad({
  maxDelayMs,
  windowMs,
  onChange,
}: {
  maxDelayMs: number;
  windowMs: number;
  /** Called when the state flips, with the delay that decided it (for one log line, not one per request). */
  onChange?: (overloaded: boolean, delayMs: number) => void;
}): EventLoopLoadMonitor {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const monitor = {
    overloaded: false,
    stop() {
      clearInterval(timer);
      histogram.disable();
    },
  };
  let lastTick = performance.now();
  const timer = setInterval(() => {
    // The window timer's own lateness is the delay it suffered; the histogram holds the finer samples
    // (which may land just after this tick when both timers were held up by the same block).
    const now = performance.now();
    const lateness = now - lastTick - windowMs;
    lastTick = now;
    const delayMs = Math.max(lateness, histogram.percentile(99) / 1e6);
    const overloaded = delayMs > maxDelayMs;
    histogram.reset();
    if (overloaded === monitor.overloaded) return;
    monitor.overloaded = overloaded;
    onChange?.(overloaded, Math.round(delayMs));
  }, windowMs);
  timer.unref();
  return monitor;
}

/** For tests and for deployments that turn shedding off (`MAX_EVENT_LOOP_DELAY_MS=0`). */
export const NEVER_OVERLOADED: LoadSignal = { overloaded: false };
