import test from 'ava';
import { monitorEventLoopLoad, nextShedFraction } from '../src/overload/event-loop-load.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy on purpose: this is what a CPU-starved replica looks like to its event loop.
  }
}

test('a blocked event loop starts shedding, and shedding fades out once the loop runs freely', async (t) => {
  const monitor = monitorEventLoopLoad({ maxDelayMs: 100, windowMs: 300 });
  t.teardown(() => monitor.stop());
  t.is(monitor.shedFraction, 0);
  // A request arrives: the monitor starts measuring windows.
  t.false(monitor.shouldShed());

  // The window tick due at 300 ms runs only at 600 ms: 300 ms late, over the 100 ms limit.
  blockEventLoop(600);
  await sleep(50);
  const peak = monitor.shedFraction;
  t.true(peak > 0);

  // Up 20 % per saturated window, halved per clean one (the block may count in two windows, so the peak
  // is at most 40 %; under 2 % counts as zero: at most 5 clean windows of 300 ms).
  await sleep(350);
  t.true(monitor.shedFraction < peak);
  await sleep(1_800);
  t.is(monitor.shedFraction, 0);
  t.false(monitor.shouldShed());
});

// The controller on readings, as `monitorEventLoopLoad` feeds it every 250 ms (limit 200 ms).
const limitMs = 200;
type Reading = Parameters<typeof nextShedFraction>[1];
const steps = (readings: Reading[], start = 0) =>
  readings.reduce<number[]>((fractions, reading) => {
    fractions.push(nextShedFraction(fractions.at(-1) ?? start, reading, limitMs));
    return fractions;
  }, []);
const repeat = (reading: Reading, times: number) => Array.from({ length: times }, () => reading);

test('a saturated loop whose timers run late sheds a growing share, up to everything', (t) => {
  const fractions = steps(repeat({ utilization: 1, delayMs: 400, throttled: false }, 6));
  t.deepEqual(
    fractions.map((f) => Math.round(f * 100)),
    [20, 40, 60, 80, 100, 100],
  );
});

test('a saturated pod throttled by its CPU limit sheds although its delay stays under the limit', (t) => {
  // A quarter CPU: the loop waits ~90 ms of every 100 ms period whatever the listen backlog holds.
  t.true(nextShedFraction(0, { utilization: 1, delayMs: 90, throttled: true }, limitMs) > 0);
  // The same delay without a throttled CPU limit is a busy loop, not a queue.
  t.is(nextShedFraction(0, { utilization: 1, delayMs: 90, throttled: false }, limitMs), 0);
});

test('a busy loop with timers on time (a closed-loop benchmark) sheds nothing', (t) => {
  t.deepEqual(steps(repeat({ utilization: 1, delayMs: 40, throttled: false }, 10)), Array(10).fill(0));
});

test('late or throttled without saturation (a GC pause, a burst, CPU taken by neighbours) sheds nothing', (t) => {
  t.deepEqual(steps(repeat({ utilization: 0.6, delayMs: 900, throttled: false }, 5)), Array(5).fill(0));
  t.deepEqual(steps(repeat({ utilization: 0.6, delayMs: 90, throttled: true }, 5)), Array(5).fill(0));
});

test('shedding holds while the loop stays busy and halves away once it has spare CPU', (t) => {
  // Busy but not saturated, or timers only a little late: the share holds.
  t.is(nextShedFraction(0.6, { utilization: 0.9, delayMs: 400, throttled: false }, limitMs), 0.6);
  t.is(nextShedFraction(0.6, { utilization: 1, delayMs: 150, throttled: false }, limitMs), 0.6);
  // Saturated and still throttled, with the delay under half the limit: not calm yet, so it holds.
  t.is(nextShedFraction(0.6, { utilization: 0.9, delayMs: 20, throttled: true }, limitMs), 0.6);
  // Spare CPU, or timers on time without throttling: halved per window, then zero under 2 %.
  const calm = { utilization: 0.5, delayMs: 12, throttled: false };
  t.deepEqual(
    steps(repeat(calm, 7), 1).map((f) => Math.round(f * 1000) / 1000),
    [0.5, 0.25, 0.125, 0.063, 0.031, 0, 0],
  );
});

test('the monitor reads the throttled-time counter once per window and sheds while a busy loop is throttled', async (t) => {
  let throttledMs = 0;
  const monitor = monitorEventLoopLoad({
    maxDelayMs: 10_000,
    windowMs: 100,
    throttledTime: () => throttledMs,
  });
  t.teardown(() => monitor.stop());
  // Busy and throttled (the counter moves) across a window: shedding starts though no timer is late.
  const busyUntil = performance.now() + 350;
  while (performance.now() < busyUntil) {
    monitor.shouldShed(); // requests keep arriving
    throttledMs += 0.001;
    await new Promise((resolve) => setImmediate(resolve));
    blockEventLoop(5);
  }
  t.true(monitor.shedFraction > 0);
  // The counter stops moving and the loop idles: shedding fades out.
  await sleep(1_000);
  t.is(monitor.shedFraction, 0);
});

test('an idle monitor does no periodic work: no window is measured until a request arrives, none after traffic stops', async (t) => {
  let reads = 0;
  const monitor = monitorEventLoopLoad({
    maxDelayMs: 100,
    windowMs: 50,
    throttledTime: () => {
      reads++;
      return undefined;
    },
  });
  t.teardown(() => monitor.stop());
  await sleep(300);
  t.is(reads, 0, 'nothing before the first request');
  monitor.shouldShed();
  await sleep(300);
  const afterTraffic = reads;
  t.true(afterTraffic >= 2 && afterTraffic <= 4, `${afterTraffic} reads`);
  await sleep(300);
  t.is(reads, afterTraffic, 'the window timer stopped after a window without requests');
});
