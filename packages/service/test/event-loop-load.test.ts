import test from 'ava';
import { monitorEventLoopLoad } from '../src/lifecycle/event-loop-load.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy on purpose: this is what a CPU-starved replica looks like to its event loop.
  }
}

test('a blocked event loop reads as overloaded, and as fine again once it runs freely', async (t) => {
  const monitor = monitorEventLoopLoad({ maxDelayMs: 100, windowMs: 300 });
  t.teardown(() => monitor.stop());
  t.false(monitor.overloaded);

  // The window tick due at 300 ms runs only at 600 ms: 300 ms late, over the 100 ms limit.
  blockEventLoop(600);
  await sleep(50);
  t.true(monitor.overloaded);

  // A few clean windows: the first may still hold the block's delayed samples.
  await sleep(1000);
  t.false(monitor.overloaded);
});
