import { readFileSync } from 'node:fs';
import test from 'ava';
import { Pool } from 'undici';
import { openRaw } from './helpers/raw-http.js';
import { startListeningService } from './helpers/service-process.js';

// When nobody reads stdout (a stuck log agent), buffered log lines used to grow without bound and SIGTERM
// never finished: the process blocked writing its last lines.
async function logLots(port: number, requests: number): Promise<void> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 16 });
  try {
    // Long request ids make long log lines: ~330 bytes each.
    const id = 'x'.repeat(120);
    for (let done = 0; done < requests; done += 200) {
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const response = await pool.request({
            method: 'GET',
            path: '/readyz',
            headers: { 'x-request-id': `${id}-${done + i}` },
          });
          await response.body.dump();
        }),
      );
    }
  } finally {
    await pool.close();
  }
}

const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

test.serial(
  'with stdout stalled: lines are dropped and counted, memory stays bounded, SIGTERM exits at once',
  async (t) => {
    const { service, port, managementPort } = await startListeningService({
      SHUTDOWN_DELAY_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '3000',
    });
    t.teardown(() => service.kill());
    // From here on nobody reads the pipe: once it and the reader's buffer are full, every write would block.
    service.child.stdout?.pause();
    await logLots(port, 7_000);
    const metrics = await (await fetch(`http://127.0.0.1:${managementPort}/metrics`)).text();
    const dropped = Number(/^log_lines_dropped_total (\d+)$/m.exec(metrics)?.[1]);
    t.true(dropped > 0, `${dropped} lines dropped`);
    const pid = service.child.pid ?? 0;
    t.log(`RSS ${Math.round(rssMiB(pid))} MiB after ${dropped} dropped lines`);
    t.true(rssMiB(pid) < 200);

    const started = Date.now();
    service.child.kill('SIGTERM');
    t.is(await service.exited, 0);
    t.true(Date.now() - started < 2000, `exited after ${Date.now() - started} ms`);
  },
);

test.serial(
  'with stdout stalled, the forced exit after SHUTDOWN_TIMEOUT_MS is not held up by the last flush',
  async (t) => {
    const { service, port } = await startListeningService({
      SHUTDOWN_DELAY_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '500',
    });
    t.teardown(() => service.kill());
    service.child.stdout?.pause();
    await logLots(port, 3_000);
    // A request that never finishes its body holds the drain until the timeout.
    const stuck = await openRaw(port);
    t.teardown(() => stuck.destroy());
    stuck.write(
      'PUT /hello/Stuck HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 28\r\n\r\n{',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    service.child.kill('SIGTERM');
    t.is(await service.exited, 1);
    t.true(Date.now() - started < 2500, `exited after ${Date.now() - started} ms`);
  },
);
