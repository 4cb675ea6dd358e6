import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort as freeLoopbackPort } from '@high-available-server/testkit/free-port';
import { sleep } from '@high-available-server/testkit/process';
import { request } from 'undici';

const run = promisify(execFile);

/** A process of the `pnpm dev` tree and its proportional share of memory. */
export interface DevProcess {
  readonly pid: number;
  readonly command: string;
  readonly pssKiB: number;
}

export interface DevStart {
  /** Which commit was cloned. */
  readonly commit: string;
  /** `pnpm dev` spawned until GET /readyz answered 200, on a clone that never ran. */
  readonly firstStartMs: number;
  /** The same again, now that the data directory exists. */
  readonly secondStartMs: number;
  /** The server (the process running src/main.ts and its children, e.g. PostgreSQL): sum of PSS. */
  readonly serverPssMiB: number;
  /** Everything under `pnpm dev` (pnpm and the tsx watcher included). */
  readonly treePssMiB: number;
  readonly processes: readonly DevProcess[];
}

async function children(): Promise<Map<number, number[]>> {
  const byParent = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid > 0) byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(entry)]);
  }
  return byParent;
}

function descendants(root: number, byParent: Map<number, number[]>): number[] {
  const all = [root];
  for (let i = 0; i < all.length; i++) all.push(...(byParent.get(all[i] as number) ?? []));
  return all;
}

async function describe(pid: number): Promise<DevProcess | undefined> {
  const [cmdline, rollup] = await Promise.all([
    readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''),
    readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => ''),
  ]);
  const pss = /^Pss:\s+(\d+) kB/m.exec(rollup)?.[1];
  if (!cmdline || pss === undefined) return undefined;
  return { pid, command: cmdline.split('\0').filter(Boolean).join(' '), pssKiB: Number(pss) };
}

async function waitReady(url: string, exited: () => boolean, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error('`pnpm dev` exited before it was ready');
    const ok = await request(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      async (response) => {
        await response.body.dump();
        return response.statusCode === 200;
      },
      () => false,
    );
    if (ok) return;
    if (performance.now() > end) throw new Error(`\`pnpm dev\` not ready after ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Starts `pnpm dev` in `dir` on `port`; resolves once ready, with the time it took and a way to stop it. */
async function startDev(dir: string, port: number, logFile: string) {
  const out = openSync(logFile, 'a');
  const started = performance.now();
  const child = spawn('pnpm', ['dev'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'development' },
    stdio: ['ignore', out, out],
    // Its own process group, so the whole tree (pnpm, the watcher, the server, a database) stops together.
    detached: true,
  });
  closeSync(out);
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (exited) return;
    try {
      process.kill(-(child.pid as number), 'SIGTERM');
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, 15_000);
    await gone;
    clearTimeout(timer);
    // Let children of the group that outlive pnpm (a database) finish their own shutdown.
    await sleep(500);
  };
  try {
    await waitReady(`http://127.0.0.1:${port}`, () => exited, 120_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { readyAfterMs: performance.now() - started, pid: child.pid as number, stop };
}

/**
 * `pnpm dev` as a developer meets it: a fresh clone of this repository's HEAD (so no data directory
 * exists), `pnpm install --offline`, then `pnpm dev` timed to its first /readyz 200; its memory as the
 * sum of PSS (shared pages split between the processes that share them) once it has served a few
 * requests; then a second start on the data the first left. The clone is deleted afterwards.
 */
export async function measureDevStart(log: (line: string) => void): Promise<DevStart> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const { stdout: top } = await run('git', ['rev-parse', '--show-toplevel'], { cwd: here });
  const root = top.trim();
  const { stdout: head } = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: root });
  const dir = await mkdtemp(join(tmpdir(), 'ha-bench-dev-'));
  const clone = join(dir, 'checkout');
  try {
    await run('git', ['clone', '--quiet', root, clone]);
    log(`  pnpm dev: cloned ${head.trim()} into ${clone}; pnpm install --offline`);
    await run('pnpm', ['install', '--frozen-lockfile', '--offline'], {
      cwd: clone,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, CI: 'true' },
    });
    const port = await freeLoopbackPort();
    const first = await startDev(clone, port, join(dir, 'dev-1.log'));
    let processes: DevProcess[] = [];
    let serverTree = new Set<number>();
    let server: DevProcess | undefined;
    try {
      // A few requests, as a developer's first try does, before memory is read.
      for (let i = 0; i < 50; i++) {
        const name = `devbench${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`;
        const put = await request(`http://127.0.0.1:${port}/hello/${name}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: '{"dateOfBirth":"1990-05-17"}',
        });
        await put.body.dump();
        const get = await request(`http://127.0.0.1:${port}/hello/${name}`);
        await get.body.dump();
      }
      const byParent = await children();
      processes = (await Promise.all(descendants(first.pid, byParent).map(describe))).filter(
        (p): p is DevProcess => p !== undefined,
      );
      // The server: the process running src/main.ts (not the watcher that restarts it) and its children.
      server = processes.find((p) => /\bsrc\/main\.ts\b/.test(p.command) && !/\bwatch\b/.test(p.command));
      if (server) serverTree = new Set(descendants(server.pid, byParent));
    } finally {
      await first.stop();
    }
    const second = await startDev(clone, port, join(dir, 'dev-2.log'));
    await second.stop();
    const mib = (list: DevProcess[]) => list.reduce((sum, p) => sum + p.pssKiB, 0) / 1024;
    return {
      commit: head.trim(),
      firstStartMs: first.readyAfterMs,
      secondStartMs: second.readyAfterMs,
      serverPssMiB: server ? mib(processes.filter((p) => serverTree.has(p.pid))) : Number.NaN,
      treePssMiB: mib(processes),
      processes,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
