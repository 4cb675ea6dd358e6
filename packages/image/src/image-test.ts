/**
 * `pnpm test:image`: builds packages/service/Dockerfile with a real container engine and runs the
 * image, and then the chart's pod, the way Kubernetes would. Prints one PASS/FAIL line per check
 * and a closing `N passed, N failed` line; exits non-zero on any failure. See docs/image.md.
 */
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@high-available-server/testkit/free-port';
import { createTestDatabase, startPostgres } from '@high-available-server/testkit/postgres';
import { stopChildren } from '@high-available-server/testkit/process';
import pg from 'pg';
import { ensureBaseImage } from './base-image.js';
import { buildServiceImage } from './build.js';
import { runContainerChecks } from './checks/container-run.js';
import { checkImageConfig, imageConfig } from './checks/image-config.js';
import { inspectContents, listImageFiles, megabytes } from './checks/image-contents.js';
import { NOT_HONOURED_BY_KUBE_PLAY, runPodChecks } from './checks/pod-run.js';
import { Cleanup } from './cleanup.js';
import { type Engine, type EngineKind, getEngine, removeLeftovers } from './engine.js';
import { ensureHelm, type Rendered, renderChart, splitRendered } from './kube-play.js';
import { projectPaths } from './paths.js';
import { Report } from './report.js';
import { type Context, IMAGE_TAG, RELEASE, SECRET_NAME, type TestDatabaseServer } from './run-context.js';

/** The app layer (/app: dist, migrations, production node_modules) must stay under this. */
const APP_BUDGET_BYTES = 60_000_000;
const TIME_BUDGET_S = Number(process.env.IMAGE_TEST_TIMEOUT_S ?? 2400);

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

async function scalar(url: string, sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query({ text: sql, rowMode: 'array' });
    return String((rows[0] as unknown[] | undefined)?.[0] ?? '');
  } finally {
    await client.end();
  }
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
      "image runs the repository's Node (.node-version): the runtime tested is the one shipped",
      async () => {
        const pinned = (await readFile(join(paths.repoRoot, '.node-version'), 'utf8')).trim();
        const { stdout } = await theEngine.must(
          ['run', '--rm', '--entrypoint', 'node', IMAGE_TAG, '--version'],
          {
            timeoutMs: 60_000,
          },
        );
        if (stdout.trim() !== `v${pinned}`)
          throw new Error(`the image runs node ${stdout.trim()}, .node-version says ${pinned}`);
        return `node ${stdout.trim()}`;
      },
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

    let postgres: TestDatabaseServer | undefined;
    await report.check("throwaway PostgreSQL on 127.0.0.1 (the testkit's PostgreSQL 17)", async () => {
      const server = await startPostgres();
      cleanup.add('postgres', () => server.destroy());
      const database = await createTestDatabase(server.url);
      postgres = { url: database.url, scalar: (sql) => scalar(database.url, sql) };
      return `PostgreSQL ${server.version}, ${database.url.replace(/\/\/[^@]*@/, '//')}`;
    });
    if (!rendered || !postgres) {
      report.skipped('container and pod checks', 'no rendered chart or no PostgreSQL');
      return;
    }
    const ctx: Context = { engine: theEngine, cleanup, report, log, runDir, rendered, postgres };
    const t0 = Date.now();
    await runContainerChecks(ctx);
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
