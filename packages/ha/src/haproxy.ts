import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { exitOf, stopProcess, waitUntil } from '@high-available-server/testkit/process';
import type { HaproxyBinary } from './debian-program.js';
import type { HealthCheck } from './drill-timings.js';
import { SERVER_HEADER } from './load-generator.js';

export interface Backend {
  readonly name: string;
  readonly port: number;
}

export interface HaproxyOptions {
  readonly binary: HaproxyBinary;
  /** Where the config, stats socket and log go. */
  readonly workDir: string;
  readonly port: number;
  readonly backends: readonly Backend[];
  readonly healthCheck: HealthCheck;
  /** Names its files in `workDir` (several load balancers may share it). */
  readonly name: string;
}

/** One row of `show stat` for a server of the replicas backend. */
export interface ServerStat {
  readonly name: string;
  /** UP, DOWN, "UP 1/2" (going down), "DOWN 1/2" (coming up), MAINT, no check. */
  readonly status: string;
  /** Requests being processed by that server right now. */
  readonly currentSessions: number;
  /** Sessions ever sent to that server. */
  readonly totalSessions: number;
  readonly connectionErrors: number;
  readonly responseErrors: number;
}

export interface Haproxy {
  readonly name: string;
  readonly url: string;
  readonly healthCheck: HealthCheck;
  readonly pid: number;
  readonly logFile: string;
  serverStats(): Promise<ServerStat[]>;
  /** Waits until HAProxy reports server `name` with exactly `status` (e.g. UP, DOWN). */
  waitForStatus(name: string, status: 'UP' | 'DOWN', timeoutMs: number): Promise<number>;
  /**
   * Takes server `name` out of rotation (`maint`: no new requests, those in flight go on; as the ALB once a
   * target is deregistered) or registers it again (`ready`: it gets traffic once its health check has
   * passed `healthyThreshold` times in a row, as a new ALB target).
   */
  setServerState(name: string, state: 'maint' | 'ready'): Promise<void>;
  stop(): Promise<void>;
}

const backendName = 'replicas';
const failOpenBackend = 'replicas-failopen';

/**
 * The load balancer stands in for the ALB: active /readyz checks with the given interval, timeout and
 * thresholds (the ALB's, from the infra package), no retries and no redispatch (an error is never hidden by
 * trying another server), keep-alive to the servers, and fail-open when every server is unhealthy (the ALB
 * then routes to every registered target).
 */
export function haproxyConfig(options: {
  port: number;
  statsSocket: string;
  backends: readonly Backend[];
  healthCheck: HealthCheck;
}): string {
  const check = options.healthCheck;
  const servers = (checked: boolean) =>
    options.backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port}${checked ? ' check' : ''}`);
  const common = [
    '  balance roundrobin',
    '  http-reuse safe',
    // Which replica answered (%s: the server's name), so the drill can tell a draining replica's answer
    // from a serving one's. HAProxy's own error pages do not get it.
    `  http-response set-header ${SERVER_HEADER} %s`,
    // No on-marked-down shutdown-sessions: a draining replica must finish the requests it already has.
  ];
  return [
    'global',
    '  maxconn 8000',
    `  stats socket ${options.statsSocket} mode 600 level admin`,
    '  log stdout format raw local0',
    '',
    'defaults',
    '  mode http',
    '  log global',
    '  option httplog',
    // Only abnormal requests (errors, aborts) are logged: the diagnostics, without a line per request.
    '  option dontlog-normal',
    // The ALB gives a target 10 s to accept a connection (fixed; then 504). A shorter connect timeout
    // would also hide errors: HAProxy answers a connect timeout on a keep-alive client connection's second
    // or later request with a silent close (http_return_srv_error, "so the client can retry"), which the
    // ALB never does. With 10 s the client's own 5 s timeout sees a replica that does not accept.
    '  timeout connect 10s',
    // Client-side idle timeout of the ALB (60 s), longer than the load generator's own (4 s): the client
    // always closes an idle connection first, so it never sends on one the LB is closing.
    '  timeout client 60s',
    '  timeout server 5s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 60s',
    '  timeout queue 5s',
    // The health check's own timeout (the ALB's: 5 s): a replica slowed down by a CPU burst is not pulled
    // out; a refused connection or a 503 still counts as a failure at once.
    `  timeout check ${check.timeoutMs}ms`,
    '  retries 0',
    '  no option redispatch',
    '  option http-keep-alive',
    '',
    'frontend drill',
    `  bind 127.0.0.1:${options.port}`,
    '  maxconn 8000',
    // The ALB fails open when every registered target is unhealthy: it then routes to all of them.
    `  use_backend ${failOpenBackend} if { nbsrv(${backendName}) eq 0 }`,
    `  default_backend ${backendName}`,
    '',
    `backend ${backendName}`,
    ...common,
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    // The ALB's check: every interval, down after `unhealthy` failures in a row, up after `healthy` passes.
    `  default-server inter ${check.intervalMs}ms fall ${check.unhealthyThreshold} rise ${check.healthyThreshold}`,
    ...servers(true),
    '',
    // Every registered target, unchecked: a deregistered one (maint) is left out of both backends.
    `backend ${failOpenBackend}`,
    ...common,
    ...servers(false),
    '',
  ].join('\n');
}

function statsCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let output = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      output += chunk;
    });
    socket.on('end', () => resolve(output));
    socket.on('error', reject);
    socket.end(`${command}\n`);
  });
}

function parseServerStats(csv: string): ServerStat[] {
  const [header, ...rows] = csv.trim().split('\n');
  const columns = (header ?? '').replace(/^# /, '').split(',');
  const column = (cells: string[], name: string) => cells[columns.indexOf(name)] ?? '';
  return rows
    .map((row) => row.split(','))
    .filter(
      (cells) =>
        column(cells, 'pxname') === backendName && !['BACKEND', 'FRONTEND'].includes(column(cells, 'svname')),
    )
    .map((cells) => ({
      name: column(cells, 'svname'),
      status: column(cells, 'status'),
      currentSessions: Number(column(cells, 'scur')),
      totalSessions: Number(column(cells, 'stot')),
      connectionErrors: Number(column(cells, 'econ')),
      responseErrors: Number(column(cells, 'eresp')),
    }));
}

export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const configFile = join(options.workDir, `${options.name}.cfg`);
  const statsSocket = join(options.workDir, `${options.name}.sock`);
  const logFile = join(options.workDir, `${options.name}.log`);
  await writeFile(
    configFile,
    haproxyConfig({
      port: options.port,
      statsSocket,
      backends: options.backends,
      healthCheck: options.healthCheck,
    }),
  );
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(options.binary.path, ['-db', '-f', configFile], {
    env: { ...process.env, ...options.binary.env },
    stdio: ['ignore', log, log],
  });
  // The child has its own copy of the descriptor.
  closeSync(log);
  const exited = exitOf(child);
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const serverStats = async () => parseServerStats(await statsCommand(statsSocket, 'show stat'));
  try {
    await waitUntil(
      async () => {
        if (gone) throw new Error(`HAProxy exited at start (see ${logFile})`);
        return serverStats().then(
          () => true,
          () => false,
        );
      },
      { timeoutMs: 10_000, message: `HAProxy's stats socket did not answer (see ${logFile})` },
    );
  } catch (error) {
    if (!gone) await stopProcess(child, 'SIGTERM', 2000);
    throw error;
  }
  return {
    name: options.name,
    url: `http://127.0.0.1:${options.port}`,
    healthCheck: options.healthCheck,
    pid: child.pid as number,
    logFile,
    serverStats,
    waitForStatus(name, status, timeoutMs) {
      return waitUntil(
        async () => (await serverStats()).some((s) => s.name === name && s.status === status),
        {
          timeoutMs,
          intervalMs: 20,
          message: `HAProxy did not report ${name} ${status}`,
        },
      );
    },
    async setServerState(name, state) {
      const command = async (line: string) => {
        const answer = (await statsCommand(statsSocket, line)).trim();
        if (answer !== '') throw new Error(`HAProxy: ${line}: ${answer}`);
      };
      // A target registered again starts unhealthy, as a new ALB target does: it gets traffic only once
      // its health check has passed `healthy` times in a row. (Leaving maintenance, HAProxy would take it
      // back UP at once; in drain it gets no new requests, and there its health can be forced down.)
      if (state === 'ready') {
        await command(`set server ${backendName}/${name} state drain`);
        await command(`set server ${backendName}/${name} health down`);
      }
      for (const backend of [backendName, failOpenBackend])
        await command(`set server ${backend}/${name} state ${state}`);
    },
    async stop() {
      if (!gone) await stopProcess(child, 'SIGTERM', 2000);
    },
  };
}
