import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import type { ThrottledTimeReader } from './cpu-throttling.js';

/** Whether to refuse the request at hand; asked once per request, so it must be cheap. */
export interface LoadSignal {
  shouldShed(): boolean;
}

export interface EventLoopLoadMonitor extends LoadSignal {
  /** The share of requests currently refused, 0…1. */
  readonly shedFraction: number;
  stop(): void;
}

/** One window's reading of the event loop. */
export interface EventLoopReading {
  /** Share of the window the loop spent running callbacks rather than waiting for I/O, 0…1. */
  readonly utilization: number;
  /** How late the window's timer ran: the time a callback queued at its start waited for the loop. */
  readonly delayMs: number;
  /** Whether the CPU limit of the process's cgroup throttled it during the window. */
  readonly throttled: boolean;
}

// A loop busy for at least this share of a window has no spare CPU: any further work queues.
const SATURATED_UTILIZATION = 0.95;
// Below this share it clearly has spare CPU again.
const SPARE_UTILIZATION = 0.8;
// Additive increase while overloaded, halving once clearly not: the refused share settles near where the
// admitted work matches what the CPU can do, instead of flapping between "take everything" and "refuse
// everything" (each "take everything" phase queues seconds of work on a CPU-limited pod), and it is gone
// within about a second of the load falling.
const SHED_STEP_UP = 0.2;
const SHED_DECAY = 0.5;
const SHED_FLOOR = 0.02;

/**
 * The shed-fraction controller, without timers (so it can be tested on readings). Overloaded means the loop
 * is saturated (it hardly waited for I/O in the window: any further work queues) and either
 * - its timers ran over `maxDelayMs` late: work waits in the process. Saturation alone would shed in a
 *   closed-loop benchmark, which keeps the CPU busy with a short queue and no one waiting long; or
 * - its CPU limit throttled it: work waits outside, in the listen backlog, where no timer sees it. Delay
 *   misreads a CPU-limited pod: its loop waits out the throttled part of every 100 ms CFS period (about
 *   90 ms at a quarter CPU) whether the backlog is empty or holds seconds of requests.
 * Then the shed fraction rises; it halves once the loop has spare CPU, or runs on time and unthrottled.
 */
export function nextShedFraction(current: number, reading: EventLoopReading, maxDelayMs: number): number {
  const saturated = reading.utilization >= SATURATED_UTILIZATION;
  if (saturated && (reading.delayMs > maxDelayMs || reading.throttled))
    return Math.min(1, current + SHED_STEP_UP);
  const calm =
    reading.utilization < SPARE_UTILIZATION || (reading.delayMs < maxDelayMs / 2 && !reading.throttled);
  if (!calm) return current;
  const decayed = current * SHED_DECAY;
  return decayed < SHED_FLOOR ? 0 : decayed;
}

/**
 * Load shedding driven by the event loop: each `windowMs`, its utilization, its timer delay and whether the
 * CPU limit throttled it go through `nextShedFraction`. An in-flight counter alone sheds too late on a
 * CPU-limited pod: requests queue in the socket backlog and the event loop before any middleware can count
 * them, probes time out and the load balancer drops every replica at once. The per-request cost is one
 * comparison (and a random draw while shedding).
 *
 * The window timer runs only while requests arrive (the first request after a quiet window starts it; it
 * stops after a window without requests once nothing is shed), so an idle process does no periodic work
 * for it. The delay is the window timer's own lateness: no `monitorEventLoopDelay` histogram, whose timer
 * would wake the loop every few ms for ever (prom-client keeps a coarse one for the metrics).
 */
export function monitorEventLoopLoad({
  maxDelayMs,
  windowMs,
  throttledTime = () => undefined,
  onChange,
}: {
  maxDelayMs: number;
  windowMs: number;
  /** The cgroup's throttled-time counter (`cgroupThrottledTime()`); default: no CPU limit known. */
  throttledTime?: ThrottledTimeReader;
  /** Called when shedding starts or stops, with the reading that decided it (one log line, not one per request). */
  onChange?: (shedding: boolean, reading: EventLoopReading) => void;
}): EventLoopLoadMonitor {
  let shedFraction = 0;
  let timer: NodeJS.Timeout | undefined;
  let requestsInWindow = false;
  let lastTick = 0;
  let windowStart: EventLoopUtilization | undefined;
  let throttledBefore: number | undefined;

  function tick(): void {
    const now = performance.now();
    const lateness = Math.max(0, now - lastTick - windowMs);
    lastTick = now;
    const windowEnd = performance.eventLoopUtilization();
    const throttledNow = throttledTime();
    const reading: EventLoopReading = {
      utilization: performance.eventLoopUtilization(windowEnd, windowStart).utilization,
      delayMs: lateness,
      throttled:
        throttledNow !== undefined && throttledBefore !== undefined && throttledNow > throttledBefore,
    };
    throttledBefore = throttledNow;
    windowStart = windowEnd;
    const wasShedding = shedFraction > 0;
    shedFraction = nextShedFraction(shedFraction, reading, maxDelayMs);
    if (wasShedding !== shedFraction > 0) onChange?.(shedFraction > 0, reading);
    if (!requestsInWindow && shedFraction === 0) {
      clearInterval(timer);
      timer = undefined;
    }
    requestsInWindow = false;
  }

  function start(): void {
    lastTick = performance.now();
    windowStart = performance.eventLoopUtilization();
    throttledBefore = throttledTime();
    timer = setInterval(tick, windowMs);
    timer.unref();
  }

  return {
    get shedFraction() {
      return shedFraction;
    },
    shouldShed() {
      requestsInWindow = true;
      if (timer === undefined) start();
      return shedFraction > 0 && Math.random() < shedFraction;
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/** For tests and for deployments that turn shedding off (`MAX_EVENT_LOOP_DELAY_MS=0`). */
export const NEVER_OVERLOADED: LoadSignal = { shouldShed: () => false };
