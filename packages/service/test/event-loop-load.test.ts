import test from 'ava';
import { monitorEventLoopLoad } from '../src/lifecycle/event-loop-load.js';

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
