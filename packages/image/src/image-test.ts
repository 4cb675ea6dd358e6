/**
 * `pnpm test:image`: builds packages/service/Dockerfile with a real container engine and runs the
 * image, and then the chart's pod, the way Kubernetes would. Prints one PASS/FAIL line per check
 * and a closing `N passed, N failed` line; exits non-zero on any failure. See .notes/image.md.
 */
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureBaseImage } from './base-image.js';
import { buildServiceImage } from './build.js';
import { checkGracefulStop } from './checks/graceful-stop.js';
import { checkHardening } from './checks/hardening.js';
import { checkImageConfig, imageConfig } from './checks/image-config.js';
import { inspectContents, listImageFiles, megabytes } from './checks/image-contents.js';
import { runMigrate } from './checks/migrate.js';
import { playAndTrack, waitForSuccess, writeHelmTestPod } from './checks/pod.js';
import { checkWritablePaths } from './checks/writable-paths.js';
import { Cleanup } from './cleanup.js';
import {
  assertJsonLogLines,
  containerLogs,
  containerState,
  type HardenedContainer,
  hardenedRunArgs,
} from './container.js';
import { type Engine, type EngineKind, getEngine, removeLeftovers } from './engine.js';
import { apiRoundTrip, waitForStatus } from './http.js';
import {
  createKubeSecret,
  ensureHelm,
  type KubeObject,
  playManifests,
  preStopSleepSeconds,
  type Rendered,
  renderChart,
  serverContainer,
  splitRendered,
  terminationGraceSeconds,
} from './kube-play.js';
import { projectPaths } from './paths.js';
import { freePort, startThrowawayPostgres, type ThrowawayPostgres } from './postgres.js';
import { stopChildren } from './proc.js';
import { Report } from './report.js';

const IMAGE_TAG = 'localhost/high-available-server:image-test';
const RELEASE = 'hasrv-it';
const SECRET_NAME = 'hasrv-it-database';
const USERNAME = 'imagetest';
/** The app layer (/app: dist, migrations, production node_modules) must stay under this. */
const APP_BUDGET_BYTES = 60_000_000;
const TIME_BUDGET_S = Number(process.env.IMAGE_TEST_TIMEOUT_S ?? 2400);

/** kube play (podman 4.3) ignores these; listed in every run so nobody reads them as verified. */
const NOT_HONOURED_BY_KUBE_PLAY = [
  'hostNetwork: true is added to each played pod, and its containerPort list removed (podman 4.3 maps every containerPort to a host port, which host networking refuses); the chart renders with containerPort = a free port and replicaCount 1',
  'lifecycle.preStop (native sleep): not run; the SIGTERM check sends SIGTERM with the grace left after it',
  'startupProbe, readinessProbe: ignored; livenessProbe becomes a podman healthcheck that needs systemd timers (none here) and calls curl (not in the image), so it never runs',
  'terminationGracePeriodSeconds: ignored (podman stop timeout is 10 s); the check passes the grace to `pod stop -t`',
  'pod-level securityContext (runAsNonRoot, fsGroup, seccompProfile RuntimeDefault): ignored; the container-level one is applied',
  'emptyDir medium: Memory + sizeLimit: an anonymous disk volume instead of a size-capped tmpfs',
  'replicas, rolling update, minReadySeconds, topologySpreadConstraints, PodDisruptionBudget, Service, ServiceAccount, HPA: no cluster, not played',
  'Job kind: the migration Job is played as a Pod of its template; helm hook ordering is reproduced by running it first',
];

function parseMemory(quantity: string | undefined) {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity ?? '');
  if (!match?.[1]) return undefined;
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 ** 3 : 1024 ** 2);
}

/** One test:image run at a time: the engine state under .cache is shared. */
async function takeLock(file: string) {
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing) {
    const pid = Number(existing);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {}
    if (alive && pid !== process.pid) throw new Error(`another test:image run (pid ${pid}) holds ${file}`);
    await rm(file, { force: true });
  }
  const handle = await open(file, 'wx');
  await handle.writeFile(String(process.pid));
  await handle.close();
}

interface Context {
  engine: Engine;
  cleanup: Cleanup;
  report: Report;
  log: (line: string) => void;
  runDir: string;
  rendered: Rendered;
  postgres: ThrowawayPostgres;
}

function chartEnv(rendered: Rendered) {
  return { ...(rendered.configMap.data ?? {}) } as Record<string, string>;
}

async function runImageChecks(ctx: Context) {
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
      const tables = await postgres.query(
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

async function runPodChecks(ctx: Context, podPort: number) {
  const { engine, report, cleanup, rendered, postgres, runDir } = ctx;
  const baseUrl = `http://127.0.0.1:${podPort}`;
  const secretFile = await createKubeSecret(engine, runDir, SECRET_NAME, { DATABASE_URL: postgres.url });
  cleanup.add(`secret ${SECRET_NAME}`, async () => {
    await engine.run(['secret', 'rm', SECRET_NAME], { timeoutMs: 30_000 });
    await rm(secretFile, { force: true });
  });
  const manifests = playManifests(rendered);

  if (manifests.migration) {
    const migration = manifests.migration;
    await report.check("pod: the chart's migration Job (pod template, kube play) exits 0", async () => {
      const file = join(runDir, 'migration-pod.yaml');
      await writeFile(file, migration.yaml);
      const pod = await playAndTrack(engine, cleanup, file);
      const [job] = pod.containers;
      const logs = await waitForSuccess(engine, job?.Name ?? '', 120_000);
      return `"${String(assertJsonLogLines(logs.stdout).at(-1)?.msg)}"`;
    });
  } else {
    report.skipped("pod: the chart's migration Job exits 0", 'the chart rendered no migration Job');
  }

  const file = join(runDir, 'server-pod.yaml');
  await writeFile(file, manifests.server);
  let serverName = '';
  let podId = '';
  const ready = await report.check(
    "pod: the chart's Deployment (ConfigMap + Secret) plays and becomes ready (/readyz 200)",
    async () => {
      const pod = await playAndTrack(engine, cleanup, file);
      podId = pod.podId;
      serverName = pod.containers[0]?.Name ?? '';
      const t0 = Date.now();
      await waitForStatus(
        `${baseUrl}/readyz`,
        200,
        60_000,
        async () => (await containerState(engine, serverName))?.running ?? false,
      );
      return `pod ${podId.slice(0, 12)}, container ${serverName}, ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    },
  );
  if (!ready) {
    if (serverName) {
      const logs = await containerLogs(engine, serverName);
      ctx.log(`pod logs:\n${[...logs.stdout, ...logs.stderr].slice(-20).join('\n')}`);
    }
    for (const name of [
      'pod: hardening',
      'pod: writable paths',
      'pod: API round trip',
      'pod: helm test pod',
      'pod: SIGTERM',
    ]) {
      report.skipped(name, 'the pod never became ready');
    }
    return;
  }
  const container = serverContainer(rendered);
  const memory = parseMemory(container.resources?.limits?.memory);
  await report.check(
    'pod: container securityContext applied (inspected: uid 1000, read-only root, no capabilities, no-new-privileges, memory limit, DATABASE_URL from the Secret)',
    () =>
      checkHardening(engine, serverName, {
        ...(memory ? { memoryBytes: memory } : {}),
        env: { ...chartEnv(rendered), DATABASE_URL: postgres.url },
      }),
  );
  await report.check('pod: only /tmp (the emptyDir) is writable (probed from inside, as its user)', () =>
    checkWritablePaths(engine, serverName),
  );
  await report.check('pod: API round trip (PUT 204, GET greeting)', () =>
    apiRoundTrip(baseUrl, `${USERNAME}pod`),
  );

  const testPod = rendered.objects.find(
    (object: KubeObject) =>
      object.kind === 'Pod' && object.metadata?.annotations?.['helm.sh/hook'] === 'test',
  );
  if (testPod) {
    await report.check(
      "pod: the chart's `helm test` Pod passes against it (BASE_URL → 127.0.0.1, no Service DNS here)",
      async () => {
        const testFile = await writeHelmTestPod(testPod, baseUrl, join(runDir, 'helm-test-pod.yaml'));
        const played = await playAndTrack(engine, cleanup, testFile);
        const logs = await waitForSuccess(engine, played.containers[0]?.Name ?? '', 120_000);
        return logs.stdout.join('; ');
      },
    );
  } else {
    report.skipped('pod: helm test Pod passes', 'the chart rendered no helm test Pod');
  }
  const grace = terminationGraceSeconds(rendered) - preStopSleepSeconds(rendered);
  await report.check(`pod: \`pod stop -t ${grace}\` → readyz 503, still serving, exit 0 in time`, () =>
    checkGracefulStop({
      engine,
      stopArgs: ['pod', 'stop', '-t', String(grace), podId],
      container: serverName,
      baseUrl,
      username: `${USERNAME}pod`,
      graceSeconds: grace,
      delayMs: Number(chartEnv(rendered).SHUTDOWN_DELAY_MS ?? 0),
    }),
  );
  await report.check('pod: logs are JSON lines on stdout', async () => {
    const logs = await containerLogs(engine, serverName);
    return `${assertJsonLogLines(logs.stdout).length} JSON lines`;
  });
}

async function main() {
  const wallStart = Date.now();
  const paths = projectPaths();
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const log = (line: string) => print(`  · ${line}`);
  const report = new Report(print);
  const cleanup = new Cleanup(log);
  cleanup.installSignalHandlers(() => stopChildren(10_000));

  const runDir = join(paths.cacheDir, 'run');
  const logDir = join(paths.cacheDir, 'logs');
  await mkdir(runDir, { recursive: true });
  await mkdir(logDir, { recursive: true });
  const lockFile = join(paths.cacheDir, 'run.lock');
  await takeLock(lockFile);
  cleanup.add('lock', () => rm(lockFile, { force: true }));

  const budget = setTimeout(() => {
    print(`FAIL time budget: test:image still running after ${TIME_BUDGET_S} s; cleaning up`);
    void stopChildren(10_000)
      .then(() => cleanup.runAll())
      .finally(() => {
        print(report.summary().replace(/(\d+) failed$/, (_, n) => `${Number(n) + 1} failed`));
        process.exit(1);
      });
  }, TIME_BUDGET_S * 1000);
  budget.unref();

  const timings: string[] = [];
  try {
    let engine: Engine | undefined;
    await report.check('container engine available', async () => {
      const prefer = process.env.IMAGE_TEST_ENGINE as EngineKind | undefined;
      const found = await getEngine({ cacheDir: paths.cacheDir, log, prefer });
      engine = found;
      await removeLeftovers(found, RELEASE);
      // Registered first, so it runs last: sweeps whatever an interrupted command still made.
      cleanup.add('leftover sweep', () => removeLeftovers(found, RELEASE));
      return engine.kind;
    });
    if (!engine) return;
    const theEngine = engine;

    let baseImage = process.env.IMAGE_TEST_BASE_IMAGE ?? '';
    await report.check('base image available', async () => {
      const t0 = Date.now();
      if (baseImage) return `${baseImage} (IMAGE_TEST_BASE_IMAGE)`;
      const base = await ensureBaseImage({ engine: theEngine, cacheDir: paths.cacheDir, log });
      baseImage = base.reference;
      timings.push(`base image ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      return base.description;
    });
    if (!baseImage) return;

    const built = await report.check(
      'image builds from packages/service/Dockerfile (context: repository root)',
      async () => {
        const logFile = join(logDir, 'build.log');
        await writeFile(logFile, '');
        const { seconds } = await buildServiceImage({
          engine: theEngine,
          repoRoot: paths.repoRoot,
          dockerfile: paths.dockerfile,
          baseImage,
          tag: IMAGE_TAG,
          logFile,
          log,
          timeoutMs: 1_200_000,
        });
        timings.push(`build ${seconds.toFixed(0)} s`);
        // Layers of builds over three days old (earlier sources) go; recent ones stay as the cache.
        await theEngine.run(['image', 'prune', '--force', '--filter', 'until=72h'], { timeoutMs: 300_000 });
        const { size } = await imageConfig(theEngine, IMAGE_TAG);
        return `${IMAGE_TAG}, ${megabytes(size)} in all, in ${seconds.toFixed(0)} s`;
      },
    );
    if (!built) return;

    await report.check(
      'image config: user 1000:1000, workdir /app, CMD, EXPOSE 8080, NODE_ENV, OCI labels',
      () => checkImageConfig(theEngine, IMAGE_TAG),
    );
    await report.check(
      `image contents: production dependencies only, no sources, no package-manager caches, /app under ${megabytes(APP_BUDGET_BYTES)}`,
      async () => {
        const files = await listImageFiles(theEngine, IMAGE_TAG, runDir);
        const service = JSON.parse(
          await readFile(join(paths.repoRoot, 'packages/service/package.json'), 'utf8'),
        ) as {
          dependencies?: Record<string, string>;
        };
        const result = inspectContents(files, {
          productionDependencies: Object.keys(service.dependencies ?? {}),
          appBudgetBytes: APP_BUDGET_BYTES,
        });
        if (result.problems.length > 0) throw new Error(result.problems.join('\n'));
        return `/app ${megabytes(result.appBytes)}, ${result.packages} top-level packages, ${files.length} files in the image`;
      },
    );

    let rendered: Rendered | undefined;
    const podPort = await freePort();
    await report.check(
      'chart renders (helm template, values-minikube.yaml, image = the local tag, store=postgres)',
      async () => {
        const helm = await ensureHelm(paths.chartDir);
        const objects = await renderChart({
          helm,
          chartDir: paths.chartDir,
          release: RELEASE,
          valuesFiles: [join(paths.chartDir, 'values-minikube.yaml')],
          set: {
            'image.repository': IMAGE_TAG.split(':')[0] ?? IMAGE_TAG,
            'image.tag': IMAGE_TAG.split(':')[1] ?? 'latest',
            'image.pullPolicy': 'Never',
            store: 'postgres',
            'database.existingSecret': SECRET_NAME,
            // One pod on the host's network: a free port instead of 8080, one replica.
            replicaCount: 1,
            containerPort: podPort,
          },
        });
        rendered = splitRendered(objects);
        return `${objects.length} objects; not played by kube play: ${rendered.notPlayed.join(', ')}`;
      },
    );

    let postgres: ThrowawayPostgres | undefined;
    await report.check("throwaway PostgreSQL on 127.0.0.1 (Debian's server, temp cluster)", async () => {
      postgres = await startThrowawayPostgres(log);
      const pg = postgres;
      cleanup.add('postgres', () => pg.stop());
      return postgres.url.replace(/\/\/[^@]*@/, '//');
    });
    if (!rendered || !postgres) {
      report.skipped('container and pod checks', 'no rendered chart or no PostgreSQL');
      return;
    }
    const ctx: Context = { engine: theEngine, cleanup, report, log, runDir, rendered, postgres };
    const t0 = Date.now();
    await runImageChecks(ctx);
    timings.push(`container checks ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    if (theEngine.kind === 'podman') {
      const t1 = Date.now();
      await runPodChecks(ctx, podPort);
      timings.push(`kube play checks ${((Date.now() - t1) / 1000).toFixed(0)} s`);
      print('Not honoured by podman kube play (so not verified here):');
      for (const line of NOT_HONOURED_BY_KUBE_PLAY) print(`  - ${line}`);
    } else {
      report.skipped('pod checks (podman kube play)', 'the engine is docker; kube play needs podman');
    }
  } catch (error) {
    report.skipped('test:image', `unexpected error: ${(error as Error).stack ?? error}`);
  } finally {
    clearTimeout(budget);
    await cleanup.runAll();
    print(`Timings: ${[...timings, `total ${((Date.now() - wallStart) / 1000).toFixed(0)} s`].join(', ')}`);
    print(report.summary());
  }
  process.exitCode = report.failed > 0 ? 1 : 0;
}

await main();
