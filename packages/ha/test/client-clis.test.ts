import { execFile } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort as freeLoopbackPort } from '@high-available-server/testkit/free-port';
import test from 'ava';
import { startReplica } from '../src/replica.js';
import { serviceBuildFile } from '../src/service-build.js';

// The smoke and load clients other workflows run against real deployments, here against the built
// service (memory store) on loopback, and against nothing.
const run = promisify(execFile);
const script = (name: string) => fileURLToPath(new URL(`../src/${name}`, import.meta.url));
const cli = (name: string, args: string[]) =>
  run(process.execPath, ['--import', 'tsx', script(name), ...args], { timeout: 60_000 }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '' }),
  );

test.serial('smoke and load pass against the built service and say what they checked', async (t) => {
  const port = await freeLoopbackPort();
  const replica = startReplica({
    name: 'cli-target',
    entry: await serviceBuildFile('.'),
    port,
    // Its own management port: the default (8081) may be taken by another service on this host.
    managementPort: await freeLoopbackPort(),
    logFile: '/dev/null',
    env: { STORE: 'memory', LOG_LEVEL: 'warn' },
  });
  t.teardown(() => replica.kill());
  await replica.waitReady(30_000);

  const smoke = await cli('smoke.ts', ['--url', replica.url]);
  t.is(smoke.code, 0, smoke.stdout);
  t.regex(smoke.stdout, /PASS {2}GET \/readyz is 200/);
  t.regex(smoke.stdout, /PASS {2}GET \/hello\/\w+ greets with the stored birthday/);

  const load = await cli('load.ts', ['--', '--url', replica.url, '--rps', '50', '--duration', '2']);
  t.is(load.code, 0, load.stdout);
  t.regex(load.stdout, /\| 100 {6}\|/);
  t.regex(load.stdout, /PASS: no failed request, no lost write/);
});

test.serial('smoke and load fail (exit 1) when the server answers nothing', async (t) => {
  // A listener that drops every connection: unlike a "free" port, no other process can take it meanwhile.
  const mute = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
  t.teardown(() => mute.close());
  const nothing = `http://127.0.0.1:${(mute.address() as AddressInfo).port}`;
  const smoke = await cli('smoke.ts', ['--url', nothing]);
  t.is(smoke.code, 1);
  t.regex(smoke.stdout, /FAIL {2}GET \/readyz is 200/);
  const load = await cli('load.ts', ['--url', nothing, '--rps', '20', '--duration', '1']);
  t.is(load.code, 1);
  t.regex(load.stdout, /FAIL/);
});
