import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { exitOf, type ProcessExit, stopProcess, waitUntil } from '@high-available-server/testkit/process';
import { request } from 'undici';

export interface ReplicaOptions {
  readonly name: string;
  /** Built service entry point (dist/main.js). */
  readonly entry: string;
  readonly port: number;
  /** MANAGEMENT_PORT: /livez, /readyz (the kubelet's probe) and /metrics. */
  readonly managementPort: number;
  readonly logFile: string;
  /** Service environment on top of PORT/MANAGEMENT_PORT/HOST (STORE, DATABASE_URL, SHUTDOWN_DELAY_MS…). */
  readonly env: Readonly<Record<string, string>>;
  /** Wraps the command line (e.g. to enter a memory cgroup first); must exec, so the pid is the replica's. */
  readonly launcher?: (command: readonly string[]) => string[];
}

/** One running service process. */
export interface Replica {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  readonly url: string;
  readonly managementUrl: string;
  readonly logFile: string;
  readonly startedAt: number;
  /** Resolves when the process exits, however it happens. */
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /** GET /readyz status straight from the replica's API port (0 when it does not answer). */
  readyStatus(): Promise<number>;
  /**
   * GET /readyz on the API port (the ALB's health check) or the management port (the kubelet's readiness
   * probe): the status (0 when no answer) and the `store` the body reports.
   */
  readiness(listener: 'api' | 'management'): Promise<Readiness>;
  waitReady(timeoutMs: number): Promise<number>;
  /** SIGTERM (graceful); resolves with how it exited, SIGKILL after `graceMs`. */
  terminate(graceMs: number): Promise<ProcessExit>;
  /** SIGKILL: a crash. */
  kill(): Promise<ProcessExit>;
  /** Resident set size in bytes (0 once it has exited). */
  rssBytes(): Promise<number>;
  /** CPU time used so far (user + system, all threads), in ms (0 once it has exited). */
  cpuMs(): Promise<number>;
}

export interface Readiness {
  readonly status: number;
  /** `up` / `down` as /readyz reports the store, or undefined. */
  readonly store?: string;
}

// USER_HZ, the unit of /proc/<pid>/stat CPU times: 100 on Linux whatever the kernel's own tick rate.
const msPerClockTick = 10;

export function startReplica(options: ReplicaOptions): Replica {
  const log = openSync(options.logFile, 'a');
  const [file, ...args] = (options.launcher ?? ((command) => [...command]))([
    process.execPath,
    options.entry,
  ]);
  const child: ChildProcess = spawn(file as string, args, {
    env: {
      ...process.env,
      ...options.env,
      PORT: String(options.port),
      MANAGEMENT_PORT: String(options.managementPort),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', log, log],
  });
  // The child has its own copy of the descriptor.
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not spawn ${options.entry}`);
  const pid = child.pid;
  const exited = exitOf(child);
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const url = `http://127.0.0.1:${options.port}`;
  const managementUrl = `http://127.0.0.1:${options.managementPort}`;
  const readiness = async (listener: 'api' | 'management'): Promise<Readiness> => {
    try {
      const response = await request(`${listener === 'api' ? url : managementUrl}/readyz`, {
        headersTimeout: 1000,
        bodyTimeout: 1000,
      });
      const body = await response.body.text();
      let store: unknown;
      try {
        store = (JSON.parse(body) as { store?: unknown }).store;
      } catch {
        // Not JSON: no store to report.
      }
      return { status: response.statusCode, ...(typeof store === 'string' ? { store } : {}) };
    } catch {
      return { status: 0 };
    }
  };
  const readyStatus = async () => (await readiness('api')).status;
  return {
    name: options.name,
    port: options.port,
    pid,
    url,
    managementUrl,
    logFile: options.logFile,
    startedAt: Date.now(),
    exited,
    isRunning: () => running,
    readyStatus,
    readiness,
    waitReady(timeoutMs) {
      return waitUntil(
        async () => {
          if (!running)
            throw new Error(`${options.name} exited before it was ready (see ${options.logFile})`);
          return (await readyStatus()) === 200;
        },
        { timeoutMs, message: `${options.name} did not answer /readyz 200 (see ${options.logFile})` },
      );
    },
    terminate: (graceMs) => stopProcess(child, 'SIGTERM', graceMs),
    kill: () => stopProcess(child, 'SIGKILL', 0),
    async rssBytes() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      return kib ? Number(kib) * 1024 : 0;
    },
    async cpuMs() {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * msPerClockTick;
    },
  };
}
