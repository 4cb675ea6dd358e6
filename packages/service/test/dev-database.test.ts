/**
 * `pnpm dev` (scripts/dev.ts): a local PostgreSQL 17 whose data survives restarts, one owner per
 * data directory, one clear line when it cannot start, from a private (mode 0700) directory too, and
 * the service restarted when its source changes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOf, onLines, stopProcess } from '@high-available-server/testkit/process';
import test, { type ExecutionContext } from 'ava';
import { request } from 'undici';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

interface DevProcess {
  readonly child: ChildProcess;
  readonly stderrLines: string[];
  /** Resolves with the service's port once it listens; rejects if the launcher exits first. */
  readonly listening: Promise<number>;
}

function startDev(dataDir: string): DevProcess {
  // Both ports 0: a service the developer runs on this machine (8080, 8081) must not fail the tests.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
    cwd: packageDir,
    env: {
      PATH: process.env.PATH ?? '',
      DEV_DATA_DIR: dataDir,
      PORT: '0',
      MANAGEMENT_PORT: '0',
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderrLines: string[] = [];
  if (child.stderr) onLines(child.stderr, (line) => stderrLines.push(line));
  const listening = nextListening(child, stderrLines);
  // Tests that expect the launcher to fail never wait for this.
  listening.catch(() => undefined);
  return { child, stderrLines, listening };
}

/**
 * Resolves with the port of the next start of the service the launcher reports from now on. Rejects when
 * the launcher exits, or says the service exited, first: the launcher then waits for the developer to fix
 * the code, and a test would wait for ever.
 */
function nextListening(child: ChildProcess, stderrLines: readonly string[]): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const fail = (why: string) => reject(new Error(`pnpm dev: ${why}\n${stderrLines.join('\n')}`));
    if (child.stdout) {
      onLines(child.stdout, (line) => {
        const parsed = JSON.parse(line) as { port?: unknown; startupMs?: unknown };
        if (typeof parsed.port === 'number' && parsed.startupMs !== undefined) resolve(parsed.port);
      });
    }
    if (child.stderr) {
      onLines(child.stderr, (line) => {
        if (line.includes('the service exited')) fail(line);
      });
    }
    void exitOf(child).then((exit) => fail(`exited (${exit.code ?? exit.signal})`));
  });
}

/** A private directory (mode 0700, like `mktemp -d` or root's home), removed after the test. */
async function privateDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hasrv-dev-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.is((await stat(dir)).mode & 0o777, 0o700);
  return dir;
}

async function call(port: number, method: string, path: string, body?: unknown) {
  const response = await request(`http://127.0.0.1:${port}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.statusCode, text: await response.body.text() };
}

test.serial('data written through pnpm dev is there after a restart, from a private directory', async (t) => {
  const dataDir = join(await privateDir(t), 'checkout', '.data', 'postgres');
  const first = startDev(dataDir);
  t.teardown(() => first.child.kill('SIGKILL'));
  const started = performance.now();
  const port = await first.listening;
  t.log(`first start: ready in ${Math.round(performance.now() - started)} ms (initdb included)`);
  t.is((await call(port, 'PUT', '/hello/devkept', { dateOfBirth: '1999-12-31' })).status, 204);
  t.is((await stopProcess(first.child, 'SIGINT', 20_000)).code, 0);

  const second = startDev(dataDir);
  t.teardown(() => second.child.kill('SIGKILL'));
  const restarted = performance.now();
  const secondPort = await second.listening;
  t.log(`restart: ready in ${Math.round(performance.now() - restarted)} ms`);
  const greeting = await call(secondPort, 'GET', '/hello/devkept');
  t.is(greeting.status, 200, greeting.text);
  t.regex(greeting.text, /Hello, devkept!/);
  t.is((await stopProcess(second.child, 'SIGINT', 20_000)).code, 0);
});

test.serial(
  'a second pnpm dev on the same data directory exits 1 with one line naming it and the holder',
  async (t) => {
    const dataDir = join(await privateDir(t), 'db');
    const first = startDev(dataDir);
    t.teardown(() => first.child.kill('SIGKILL'));
    await first.listening;

    const second = startDev(dataDir);
    t.teardown(() => second.child.kill('SIGKILL'));
    const exit = await exitOf(second.child);
    t.is(exit.code, 1);
    t.is(second.stderrLines.length, 1, second.stderrLines.join('\n'));
    t.regex(
      second.stderrLines[0] ?? '',
      new RegExp(
        `^pnpm dev: ${dataDir} is in use by process ${first.child.pid} \\(.*scripts/dev\\.ts.*PostgreSQL \\(pid \\d+\\)`,
      ),
    );
    // The first one is unharmed.
    t.is(first.child.exitCode, null);
    await stopProcess(first.child, 'SIGINT', 20_000);
  },
);

test.serial('an unusable data directory fails with one line', async (t) => {
  const dev = startDev('/proc/self/no-such-place');
  t.teardown(() => dev.child.kill('SIGKILL'));
  const exit = await exitOf(dev.child);
  t.is(exit.code, 1);
  t.deepEqual(dev.stderrLines.length, 1, dev.stderrLines.join('\n'));
  t.regex(
    dev.stderrLines[0] ?? '',
    /^pnpm dev: PostgreSQL did not start: cannot prepare \/proc\/self\/no-such-place /,
  );
});

test.serial('a change under src/ restarts the service on the same database', async (t) => {
  const dev = startDev(join(await privateDir(t), 'db'));
  t.teardown(() => dev.child.kill('SIGKILL'));
  const port = await dev.listening;
  t.is((await call(port, 'PUT', '/hello/devwatched', { dateOfBirth: '1999-12-31' })).status, 204);

  const restarted = nextListening(dev.child, dev.stderrLines);
  // A file no import reaches: what it holds does not matter, only that the watched tree changed.
  const probe = join(packageDir, 'src', `.dev-restart-probe-${process.pid}`);
  t.teardown(() => rm(probe, { force: true }));
  await writeFile(probe, 'probe\n');
  const newPort = await Promise.race([
    restarted,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no restart within 20 s: ${dev.stderrLines.join('\n')}`)), 20_000),
    ),
  ]);
  t.true(
    dev.stderrLines.some(
      (line) => line === `pnpm dev: src/.dev-restart-probe-${process.pid} changed: restarting the service`,
    ),
    dev.stderrLines.join('\n'),
  );
  const greeting = await call(newPort, 'GET', '/hello/devwatched');
  t.is(greeting.status, 200, greeting.text);
  t.is((await stopProcess(dev.child, 'SIGINT', 20_000)).code, 0);
});
