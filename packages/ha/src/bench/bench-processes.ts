// The processes of a benchmark run (`pnpm bench`, `bench:profile`): servers on core 0, the client on core 1.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort as freeLoopbackPort } from '@high-available-server/testkit/free-port';
import { exitOf, sleep, stopProcess } from '@high-available-server/testkit/process';
import { request } from 'undici';
import type { ClientJob, ClientResult } from './bench-client.js';

const run = promisify(execFile);
const benchClient = fileURLToPath(new URL('./bench-client.ts', import.meta.url));

// USER_HZ, the unit of /proc/<pid>/stat CPU times: 100 on Linux whatever the kernel's own tick rate.
const msPerClockTick = 10;

/** Prefixes a command so it runs on one core (or leaves it unchanged). */
export type Pin = (core: number, command: string[]) => string[];

export interface Server {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  readonly readyAfterMs: number;
  rssBytes(): Promise<number>;
  /** CPU time the server process has used so far (all its threads), in ms; 0 once it has exited. */
  cpuMs(): Promise<number>;
  /** SIGTERM, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** `taskset -c <core>` when the machine has it and more than one core; the command unchanged otherwise. */
export async function pinner(): Promise<Pin> {
  const hasTaskset = await run('taskset', ['-c', '0', 'true']).then(
    () => true,
    () => false,
  );
  if (!hasTaskset || cpus().length < 2) return (_core, command) => command;
  return (core, command) => ['taskset', '-c', String(core), ...command];
}

export async function startServer(
  name: string,
  command: string[],
  env: Record<string, string>,
  pin: Pin,
  /** Where its stdout goes, as a container runtime keeps a container's log in a file (default: discarded). */
  logFile?: string,
  /** Wraps the pinned command line (e.g. to enter a memory cgroup first); must exec, keeping the pid. */
  launcher: (command: readonly string[]) => string[] = (command) => [...command],
): Promise<Server> {
  const port = await freeLoopbackPort();
  const [file, ...args] = launcher(pin(0, command));
  const out = logFile ? openSync(logFile, 'a') : 'ignore';
  const started = performance.now();
  const child: ChildProcess = spawn(file as string, args, {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, 'inherit'],
  });
  // The child has its own copy of the descriptor.
  if (typeof out === 'number') closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited during start`);
    const ready = await request(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      async (response) => {
        await response.body.dump();
        return response.statusCode === 200;
      },
      () => false,
    );
    if (ready) break;
    if (performance.now() - started > 60_000) throw new Error(`${name} not ready after 60 s`);
    await sleep(5);
  }
  const readyAfterMs = performance.now() - started;
  // With taskset the child is taskset's exec'd program: the same pid.
  const pid = child.pid as number;
  return {
    name,
    pid,
    url,
    readyAfterMs,
    async rssBytes() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    async cpuMs() {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * msPerClockTick;
    },
    async stop(graceMs = 5000) {
      await stopProcess(child, 'SIGTERM', graceMs);
    },
  };
}

/**
 * Runs the bench client against `server` and samples the server's peak RSS meanwhile, and the server's CPU
 * time per answered request: the cost of one request, whichever side (client or server) limited the rate.
 */
export async function measure(
  server: Server,
  job: Omit<ClientJob, 'url'>,
  pin: Pin,
): Promise<ClientResult & { rssMiB: number; serverCpuUsPerRequest: number }> {
  const cpuBefore = await server.cpuMs();
  const [file, ...args] = pin(1, [process.execPath, '--import', 'tsx', benchClient]);
  const child = spawn(file as string, [...args, JSON.stringify({ ...job, url: server.url })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  let peakRss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakRss = Math.max(peakRss, await server.rssBytes());
      await sleep(200);
    }
  })();
  const exit = await exitOf(child);
  sampling = false;
  await sampler;
  const cpuUsedMs = (await server.cpuMs()) - cpuBefore;
  if (exit.code !== 0) throw new Error(`bench client failed against ${server.name}`);
  const result = JSON.parse(output) as ClientResult;
  return {
    ...result,
    rssMiB: peakRss / 1024 / 1024,
    serverCpuUsPerRequest: result.requests > 0 ? (cpuUsedMs * 1000) / result.requests : 0,
  };
}
