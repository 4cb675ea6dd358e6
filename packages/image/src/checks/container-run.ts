import { freePort } from '@high-available-server/testkit/free-port';
import {
  assertJsonLogLines,
  containerLogs,
  containerState,
  type HardenedContainer,
  hardenedRunArgs,
} from '../container.js';
import { apiRoundTrip, waitForStatus } from '../http.js';
import { preStopSleepSeconds, serverContainer, terminationGraceSeconds } from '../kube-play.js';
import { type Context, chartEnv, IMAGE_TAG, parseMemory, RELEASE, USERNAME } from '../run-context.js';
import { checkGracefulStop } from './graceful-stop.js';
import { checkHardening } from './hardening.js';
import { runMigrate } from './migrate.js';
import { checkWritablePaths } from './writable-paths.js';

/**
 * The image run the way the chart runs it, with plain `run` (no pod): migrate, serve, stop.
 */
export async function runContainerChecks(ctx: Context) {
  const { engine, report, cleanup, rendered, postgres } = ctx;
  const container = serverContainer(rendered);
  const memory = parseMemory(container.resources?.limits?.memory);
  const memoryArg = memory ? `${memory / 1024 ** 2}m` : undefined;
  const grace = terminationGraceSeconds(rendered) - preStopSleepSeconds(rendered);
  const env = chartEnv(rendered);
  const port = await freePort();
  const serverEnv = { ...env, PORT: String(port), DATABASE_URL: postgres.url };
  const baseUrl = `http://127.0.0.1:${port}`;
  const migrateEnv = { STORE: 'postgres', LOG_LEVEL: env.LOG_LEVEL ?? 'info', DATABASE_URL: postgres.url };
  const hardened = (
    name: string,
    extra: { env: Record<string, string>; command?: string[] },
  ): HardenedContainer => ({
    name,
    image: IMAGE_TAG,
    tmpSizeMb: 64,
    ...(memoryArg ? { memory: memoryArg } : {}),
    ...extra,
  });

  await report.check(
    'migrate: `node dist/migrate.js` applies the schema and exits 0 (uid 1000, read-only root, no capabilities)',
    async () => {
      const message = await runMigrate(
        engine,
        hardened(`${RELEASE}-migrate-${process.pid}`, {
          env: migrateEnv,
          command: ['node', 'dist/migrate.js'],
        }),
        120_000,
      );
      const tables = await postgres.scalar(
        "select count(*) from information_schema.tables where table_schema not in ('pg_catalog','information_schema')",
      );
      if (Number(tables) === 0) throw new Error(`migrate exited 0 but created no table ("${message}")`);
      return `"${message}"; ${tables} tables now`;
    },
  );
  await report.check('migrate: a second run is a no-op and exits 0', async () => {
    const message = await runMigrate(
      engine,
      hardened(`${RELEASE}-migrate-again-${process.pid}`, {
        env: migrateEnv,
        command: ['node', 'dist/migrate.js'],
      }),
      120_000,
    );
    return `"${message}"`;
  });

  const name = `${RELEASE}-server-${process.pid}`;
  const started = await engine.run(
    ['run', '--detach', ...hardenedRunArgs(engine.kind, hardened(name, { env: serverEnv }))],
    {
      timeoutMs: 60_000,
    },
  );
  cleanup.add(`container ${name}`, async () => {
    await engine.run(['rm', '-f', '-t', '0', name], { timeoutMs: 60_000 });
  });
  const running = async () => (await containerState(engine, name))?.running ?? false;
  const ready = await report.check(
    `container: becomes ready (/readyz 200) with the chart's env, STORE=postgres, --read-only, --cap-drop=ALL`,
    async () => {
      if (started.code !== 0) throw new Error(`run failed: ${started.stderr.trim()}`);
      const t0 = Date.now();
      await waitForStatus(`${baseUrl}/readyz`, 200, 60_000, running);
      return `ready ${((Date.now() - t0) / 1000).toFixed(1)} s after start`;
    },
  );
  if (!ready) {
    const logs = await containerLogs(engine, name);
    ctx.log(`container logs:\n${[...logs.stdout, ...logs.stderr].slice(-20).join('\n')}`);
  }
  await report.check('container: hardening applied as the chart asks (inspected)', () =>
    checkHardening(engine, name, { ...(memory ? { memoryBytes: memory } : {}), env: serverEnv }),
  );
  await report.check('container: only /tmp is writable (probed from inside, as its user)', () =>
    checkWritablePaths(engine, name),
  );
  await report.check('container: API round trip (PUT 204, GET greeting) against PostgreSQL', async () =>
    apiRoundTrip(baseUrl, USERNAME),
  );
  await report.check(
    `container: SIGTERM → readyz 503, still serving, exit 0 within ${grace} s (grace ${terminationGraceSeconds(rendered)} s − preStop ${preStopSleepSeconds(rendered)} s)`,
    () =>
      checkGracefulStop({
        engine,
        stopArgs: ['stop', '-t', String(grace), name],
        container: name,
        baseUrl,
        username: USERNAME,
        graceSeconds: grace,
        delayMs: Number(env.SHUTDOWN_DELAY_MS ?? 0),
      }),
  );
  await report.check('container: logs are JSON lines on stdout', async () => {
    const logs = await containerLogs(engine, name);
    const records = assertJsonLogLines(logs.stdout);
    const stderr =
      logs.stderr.length > 0
        ? `; stderr: ${logs.stderr.length} line(s): ${logs.stderr[0]?.slice(0, 120)}`
        : '';
    return `${records.length} JSON lines, first "${records[0]?.msg}", last "${records.at(-1)?.msg}"${stderr}`;
  });
}
