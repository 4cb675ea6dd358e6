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
import { appLogins, createAppDatabase, type DatabaseLogins, SecretVolume } from './database-logins.js';
import { locateHaproxy } from './debian-program.js';
import type { DrillTimings, HealthCheck } from './drill-timings.js';
import { type Haproxy, startHaproxy } from './haproxy.js';
import { limitReplicaMemory } from './memory-limit.js';
import { type Replica, startReplica } from './replica.js';
import { serviceBuildFile } from './service-build.js';

/** Three replicas of the built service behind HAProxy, on one throwaway PostgreSQL, all on 127.0.0.1. */
export interface Cluster {
  readonly workDir: string;
  readonly postgres: PostgresServer;
  /** The owner, the app role and its rotating logins, as in production. */
  readonly database: DatabaseLogins;
  /** The app Secret's volume the replicas read their credential from (DATABASE_USER_FILE/_PASSWORD_FILE). */
  readonly appSecret: SecretVolume;
  /** The load balancer with the ALB's own health check (infra's settings, never scaled). */
  readonly lb: Haproxy;
  /** The same load balancer with the health check x the time scale (the rolling restart's); `lb` at scale 1. */
  readonly scaledLb: Haproxy;
  /** The current process of each replica slot (replaced when a slot is restarted). */
  readonly replicas: Replica[];
  readonly haproxyOrigin: string;
  /** Per replica slot, its management port (/livez, /readyz, /metrics). */
  readonly metricsPorts: readonly number[];
  /** Each replica's memory limit (the chart's), in bytes; undefined when none could be applied. */
  readonly memoryLimitBytes: number | undefined;
  readonly timings: DrillTimings;
  /** Starts a fresh process in slot `index` (same port, as a pod replacing another behind a target). */
  startReplica(index: number): Replica;
  /** Stops everything it started; safe to call more than once. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  readonly replicaCount: number;
  readonly timings: DrillTimings;
  /** Extra service environment (e.g. MAX_IN_FLIGHT). */
  readonly serviceEnv?: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
}

const haproxyCacheDir = fileURLToPath(new URL('../.cache/haproxy', import.meta.url));

/**
 * The login Job of the AWS stack (infra's database-app-login.mts, through the infra package's entry point):
 * run by plain Node as in the service image, with `pg` resolved from this package.
 */
const loginJobScript = fileURLToPath(import.meta.resolve('@high-available-server/infra/database-app-login'));
const pgResolvedFrom = fileURLToPath(new URL('../package.json', import.meta.url));

/** Runs a Job's Node script to completion, its output in `logFile`; throws unless it exits 0. */
async function runJob(
  what: string,
  script: string,
  env: Readonly<Record<string, string>>,
  logFile: string,
): Promise<void> {
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
  });
  // The child has its own copy of the descriptor.
  closeSync(out);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exit = await exitOf(child);
  clearTimeout(timer);
  if (exit.code !== 0) throw new Error(`${what} failed (exit ${exit.code ?? exit.signal}, see ${logFile})`);
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
      serviceBuildFile('.'),
      serviceBuildFile('./migrate'),
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
    // As on AWS, in the order a deploy runs them: the database with its owner (the RDS master), the
    // login Job (the app role, its grants and the first login, as the owner), the migration Job (as the
    // owner), then the replicas, logging in as the app's rotating login from the app Secret's files,
    // without migrating. Every credential reaches its process as files, never in a URL.
    const appDatabase = await createAppDatabase(postgres);
    const database = appLogins(postgres, appDatabase);
    const ownerSecret = new SecretVolume(join(workDir, 'secrets', 'database-owner'));
    const appSecret = new SecretVolume(join(workDir, 'secrets', 'database-app'));
    await ownerSecret.write(appDatabase.owner);
    await appSecret.write(appDatabase.firstAppCredential);
    await runJob(
      'the login Job',
      loginJobScript,
      {
        DATABASE_URL: appDatabase.url,
        OWNER_USER_FILE: ownerSecret.userFile,
        OWNER_PASSWORD_FILE: ownerSecret.passwordFile,
        APP_USER_FILE: appSecret.userFile,
        APP_PASSWORD_FILE: appSecret.passwordFile,
        PG_RESOLVE_FROM: pgResolvedFrom,
      },
      join(workDir, 'login-job.log'),
    );
    await runJob(
      'the migration Job',
      migrateEntry,
      {
        STORE: 'postgres',
        DATABASE_URL: appDatabase.url,
        DATABASE_USER_FILE: ownerSecret.userFile,
        DATABASE_PASSWORD_FILE: ownerSecret.passwordFile,
      },
      join(workDir, 'migrate.log'),
    );
    const scaled = options.timings.timeScale !== 1;
    const [lbPort, scaledLbPort, ...replicaPorts] = await Promise.all(
      Array.from({ length: 2 * options.replicaCount + 2 }, freeLoopbackPort),
    );
    const ports = replicaPorts.slice(0, options.replicaCount);
    // Each replica's own management port: three processes on one host cannot all take the default 8081.
    const managementPorts = replicaPorts.slice(options.replicaCount);
    const { drain } = options.timings;
    const env = {
      STORE: 'postgres',
      DATABASE_URL: appDatabase.url,
      DATABASE_USER_FILE: appSecret.userFile,
      DATABASE_PASSWORD_FILE: appSecret.passwordFile,
      MIGRATE_ON_START: 'false',
      SHUTDOWN_DELAY_MS: String(drain.delayMs),
      SHUTDOWN_TIMEOUT_MS: String(drain.timeoutMs),
      LOG_LEVEL: 'info',
      ...options.serviceEnv,
    };
    const launch = (index: number) => {
      const replica = startReplica({
        name: names[index] as string,
        entry,
        port: ports[index] as number,
        managementPort: managementPorts[index] as number,
        logFile: join(workDir, `${names[index]}-${restarts++}.log`),
        env,
        launcher: (command) => memory.wrap(names[index] as string, command),
      });
      replicas[index] = replica;
      return replica;
    };
    await Promise.all(ports.map((_, i) => launch(i).waitReady(20_000)));
    const backends = ports.map((port, i) => ({ name: names[i] as string, port }));
    const startLb = async (name: string, port: number, healthCheck: HealthCheck) => {
      const lb = await startHaproxy({ name, binary, workDir, port, backends, healthCheck });
      teardown.push(() => lb.stop());
      lastResort.push(() => {
        try {
          process.kill(lb.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      });
      return lb;
    };
    const lb = await startLb('haproxy', lbPort as number, options.timings.albHealthCheck);
    const scaledLb = scaled
      ? await startLb('haproxy-scaled', scaledLbPort as number, options.timings.scaledHealthCheck)
      : lb;
    await Promise.all(
      [...new Set([lb, scaledLb])].flatMap((balancer) =>
        names.map((name) => balancer.waitForStatus(name, 'UP', 10_000)),
      ),
    );
    return {
      workDir,
      postgres,
      database,
      appSecret,
      lb,
      scaledLb,
      replicas,
      haproxyOrigin: binary.origin,
      metricsPorts: managementPorts,
      memoryLimitBytes: memory.applied ? memoryLimitBytes : undefined,
      timings: options.timings,
      startReplica: launch,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
