import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort as freeLoopbackPort } from '@high-available-server/testkit/free-port';
import {
  type PostgresServer,
  startPostgres as startPostgresServer,
} from '@high-available-server/testkit/postgres';
import { exitOf } from '@high-available-server/testkit/process';
import { chartSettings } from './chart-values.js';
import { locateHaproxy } from './debian-program.js';
import { type Haproxy, startHaproxy } from './haproxy.js';
import { limitReplicaMemory } from './memory-limit.js';
import { type Replica, startReplica } from './replica.js';
import { serviceBuildFile } from './service-build.js';

/**
 * Which listener of a replica serves /metrics: the API port today; the management port (MANAGEMENT_PORT,
 * CONTRACTS.md) once the service has one. The only line to change when it moves.
 */
export const metricsListener: 'api' | 'management' = 'api';

/** Three replicas of the built service behind HAProxy, on one throwaway PostgreSQL, all on 127.0.0.1. */
export interface Cluster {
  readonly workDir: string;
  readonly postgres: PostgresServer;
  readonly lb: Haproxy;
  /** The current process of each replica slot (replaced when a slot is restarted). */
  readonly replicas: Replica[];
  readonly haproxyOrigin: string;
  /** Per replica slot, the port its /metrics is scraped on (see `metricsListener`). */
  readonly metricsPorts: readonly number[];
  /** Each replica's memory limit (the chart's), in bytes; undefined when none could be applied. */
  readonly memoryLimitBytes: number | undefined;
  /** Starts a fresh process in slot `index` (same port, as a pod replacing another behind a target). */
  startReplica(index: number): Replica;
  /** Stops everything it started; safe to call more than once. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  readonly replicaCount: number;
  readonly shutdownDelayMs: number;
  /** Extra service environment (e.g. MAX_IN_FLIGHT). */
  readonly serviceEnv?: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
}

const haproxyCacheDir = fileURLToPath(new URL('../.cache/haproxy', import.meta.url));

async function migrate(entry: string, databaseUrl: string, logFile: string): Promise<void> {
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, DATABASE_URL: databaseUrl, STORE: 'postgres' },
    stdio: ['ignore', out, out],
  });
  // The child has its own copy of the descriptor.
  closeSync(out);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exit = await exitOf(child);
  clearTimeout(timer);
  if (exit.code !== 0)
    throw new Error(`migrations failed (exit ${exit.code ?? exit.signal}, see ${logFile})`);
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const workDir = await mkdtemp(join(tmpdir(), 'ha-drill-'));
  const teardown: (() => Promise<unknown>)[] = [];
  const replicas: Replica[] = [];
  let restarts = 0;
  // Last resort if the drill itself dies: no orphan service process keeps a port.
  const lastResort: (() => void)[] = [];
  const killOrphans = () => {
    for (const replica of replicas) {
      try {
        if (replica.isRunning()) process.kill(replica.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    for (const kill of lastResort) kill();
  };
  process.on('exit', killOrphans);
  const stop = async () => {
    process.off('exit', killOrphans);
    await Promise.allSettled(replicas.map((r) => (r.isRunning() ? r.kill() : undefined)));
    while (teardown.length > 0)
      await teardown
        .pop()?.()
        .catch(() => undefined);
  };
  try {
    const [entry, migrateEntry, binary] = await Promise.all([
      serviceBuildFile('dist/main.js'),
      serviceBuildFile('dist/migrate.js'),
      locateHaproxy(haproxyCacheDir),
    ]);
    options.log(`haproxy: ${binary.origin}; logs in ${workDir}`);
    const names = Array.from({ length: options.replicaCount }, (_, i) => `r${i + 1}`);
    // As pods with the chart's memory limit: the replicas' V8 heap is sized the way it is in production.
    const { memoryLimitBytes } = await chartSettings();
    const memory = await limitReplicaMemory(names, memoryLimitBytes);
    teardown.push(() => memory.release());
    options.log(`replicas: ${memory.description}`);
    const postgres = await startPostgresServer({ logFile: join(workDir, 'postgres.log') });
    teardown.push(() => postgres.destroy());
    lastResort.push(() => postgres.killNow());
    await migrate(migrateEntry, postgres.url, join(workDir, 'migrate.log'));
    const [lbPort, ...replicaPorts] = await Promise.all(
      Array.from({ length: 2 * options.replicaCount + 1 }, freeLoopbackPort),
    );
    const ports = replicaPorts.slice(0, options.replicaCount);
    // Each replica's own management port: three processes on one host cannot all take the default 8081.
    const managementPorts = replicaPorts.slice(options.replicaCount);
    const env = {
      STORE: 'postgres',
      DATABASE_URL: postgres.url,
      SHUTDOWN_DELAY_MS: String(options.shutdownDelayMs),
      SHUTDOWN_TIMEOUT_MS: '10000',
      LOG_LEVEL: 'info',
      ...options.serviceEnv,
    };
    const launch = (index: number) => {
      const replica = startReplica({
        name: names[index] as string,
        entry,
        port: ports[index] as number,
        logFile: join(workDir, `${names[index]}-${restarts++}.log`),
        env: { ...env, MANAGEMENT_PORT: String(managementPorts[index]) },
        launcher: (command) => memory.wrap(names[index] as string, command),
      });
      replicas[index] = replica;
      return replica;
    };
    await Promise.all(ports.map((_, i) => launch(i).waitReady(20_000)));
    const lb = await startHaproxy({
      binary,
      workDir,
      port: lbPort as number,
      backends: ports.map((port, i) => ({ name: names[i] as string, port })),
    });
    teardown.push(() => lb.stop());
    lastResort.push(() => {
      try {
        process.kill(lb.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    });
    await Promise.all(names.map((name) => lb.waitForStatus(name, 'UP', 10_000)));
    return {
      workDir,
      postgres,
      lb,
      replicas,
      haproxyOrigin: binary.origin,
      metricsPorts: metricsListener === 'api' ? ports : managementPorts,
      memoryLimitBytes: memory.applied ? memoryLimitBytes : undefined,
      startReplica: launch,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
