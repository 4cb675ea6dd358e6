import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { exitOf, stopProcess, waitUntil } from '@high-available-server/testkit/process';
import type { HaproxyBinary } from './debian-program.js';

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
  readonly url: string;
  readonly pid: number;
  readonly logFile: string;
  serverStats(): Promise<ServerStat[]>;
  /** Waits until HAProxy reports server `name` with exactly `status` (e.g. UP, DOWN). */
  waitForStatus(name: string, status: 'UP' | 'DOWN', timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

const backendName = 'replicas';
const failOpenBackend = 'replicas-failopen';

/**
 * The load balancer stands in for the ALB: active /readyz checks every 300 ms (fall 1, rise 2), no retries
 * and no redispatch (an error is never hidden by trying another server), keep-alive to the servers, and
 * fail-open when every server is unhealthy (the ALB then routes to all targets).
 */
export function haproxyConfig(options: {
  port: number;
  statsSocket: string;
  backends: readonly Backend[];
}): string {
  const servers = options.backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`);
  const backend = (name: string, checkPath: string) => [
    `backend ${name}`,
    '  balance roundrobin',
    `  option httpchk GET ${checkPath}`,
    '  http-check expect status 200',
    '  http-reuse safe',
    // No on-marked-down shutdown-sessions: a draining replica must finish the requests it already has.
    '  default-server inter 300ms fall 1 rise 2',
    ...servers,
    '',
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
    '  timeout connect 1s',
    // Client-side idle timeout of the ALB (60 s), longer than the load generator's own (4 s): the client
    // always closes an idle connection first, so it never sends on one the LB is closing.
    '  timeout client 60s',
    '  timeout server 5s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 60s',
    '  timeout queue 5s',
    // The ALB's default health check timeout: a replica slowed down by a CPU burst (a neighbour starting)
    // is not pulled out; a refused connection or a 503 still marks it DOWN at once.
    '  timeout check 5s',
    '  retries 0',
    '  no option redispatch',
    '  option http-keep-alive',
    '',
    'frontend drill',
    `  bind 127.0.0.1:${options.port}`,
    '  maxconn 8000',
    // The ALB fails open when every target is unhealthy: then route to every replica still alive.
    `  use_backend ${failOpenBackend} if { nbsrv(${backendName}) eq 0 }`,
    `  default_backend ${backendName}`,
    '',
    ...backend(backendName, '/readyz'),
    ...backend(failOpenBackend, '/livez'),
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
  const configFile = join(options.workDir, 'haproxy.cfg');
  const statsSocket = join(options.workDir, 'haproxy.sock');
  const logFile = join(options.workDir, 'haproxy.log');
  await writeFile(configFile, haproxyConfig({ port: options.port, statsSocket, backends: options.backends }));
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
    url: `http://127.0.0.1:${options.port}`,
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
    async stop() {
      if (!gone) await stopProcess(child, 'SIGTERM', 2000);
    },
  };
}
