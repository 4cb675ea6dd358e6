import test from 'ava';
import { monitorEventLoopLoad, nextShedFraction } from '../src/lifecycle/event-loop-load.js';

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

// The controller on readings, as `monitorEventLoopLoad` feeds it every 250 ms (limit 50 ms).
const limitMs = 50;
const steps = (readings: { utilization: number; delayMs: number }[], start = 0) =>
  readings.reduce<number[]>((fractions, reading) => {
    fractions.push(nextShedFraction(fractions.at(-1) ?? start, reading, limitMs));
    return fractions;
  }, []);

test('a saturated loop whose timers run late sheds a growing share, up to everything', (t) => {
  const overloaded = { utilization: 1, delayMs: 300 };
  const fractions = steps(Array.from({ length: 6 }, () => overloaded));
  t.deepEqual(
    fractions.map((f) => Math.round(f * 100)),
    [20, 40, 60, 80, 100, 100],
  );
});

test('a pod throttled by its CPU limit sheds although its delay never exceeds the CFS period', (t) => {
  // A quarter CPU: the loop waits ~90 ms of every 100 ms period whatever the queue in the backlog holds.
  t.true(nextShedFraction(0, { utilization: 1, delayMs: 90 }, limitMs) > 0);
});

test('a busy loop with timers on time (a closed-loop benchmark) sheds nothing', (t) => {
  t.deepEqual(steps(Array.from({ length: 10 }, () => ({ utilization: 1, delayMs: 20 }))), Array(10).fill(0));
});

test('late timers without saturation (a GC pause, CPU taken by neighbours) shed nothing', (t) => {
  t.deepEqual(
    steps(Array.from({ length: 10 }, () => ({ utilization: 0.6, delayMs: 400 }))),
    Array(10).fill(0),
  );
});

test('shedding holds while the loop stays busy and halves away once it has spare CPU', (t) => {
  // Busy but not saturated, or saturated with timers only a little late: the share holds.
  t.is(nextShedFraction(0.6, { utilization: 0.9, delayMs: 300 }, limitMs), 0.6);
  t.is(nextShedFraction(0.6, { utilization: 1, delayMs: 40 }, limitMs), 0.6);
  // Spare CPU, or timers on time: halved per window, then zero under 2 %.
  const calm = { utilization: 0.5, delayMs: 12 };
  t.deepEqual(
    steps(
      Array.from({ length: 7 }, () => calm),
      1,
    ).map((f) => Math.round(f * 1000) / 1000),
    [0.5, 0.25, 0.125, 0.063, 0.031, 0, 0],
  );
});
