import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { exitOf, sleep, stopProcess } from './child-process.js';
import { freeLoopbackPort } from './free-port.js';
import { table } from './report.js';
import { serviceBuildFile } from './service-build.js';

/** The parts of a V8 .cpuprofile this report reads. */
interface CpuProfile {
  nodes: {
    id: number;
    hitCount: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** Which code a frame belongs to: a dependency, Node itself, the service, or V8 bookkeeping. */
function area(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1] as string;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  if (url.includes('/service/dist/')) return `service ${url.split('/service/dist/')[1]}`;
  return url;
}

/**
 * `pnpm --filter @high-available-server/ha bench:profile`: the service (memory store, request logging on)
 * under GET then PUT load with `node --cpu-prof`; prints where its CPU time goes, by package and function.
 */
async function main(): Promise<void> {
  const entry = await serviceBuildFile('dist/main.js');
  const dir = await mkdtemp(join(tmpdir(), 'ha-profile-'));
  const port = await freeLoopbackPort();
  const service = spawn(
    'taskset',
    ['-c', '0', process.execPath, '--cpu-prof', '--cpu-prof-dir', dir, entry],
    {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', STORE: 'memory', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await request(`${url}/readyz`).then(
      async (response) => {
        await response.body.dump();
        return response.statusCode === 200;
      },
      () => false,
    );
    if (ok) break;
    if (i > 600) throw new Error('service not ready');
    await sleep(50);
  }
  for (const op of ['get', 'put']) {
    const job = { url, op, mode: 'closed', concurrency: 32, rps: 0, durationMs: 5000, population: 1000 };
    const client = spawn(
      'taskset',
      [
        '-c',
        '1',
        process.execPath,
        '--import',
        'tsx',
        fileURLToPath(new URL('./bench/bench-client.ts', import.meta.url)),
        JSON.stringify(job),
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    await exitOf(client);
  }
  await stopProcess(service, 'SIGTERM', 15_000);
  const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written');
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
  await rm(dir, { recursive: true, force: true });
  const sampleMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const { functionName, url: script, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || node.hitCount === 0) continue;
    const ms = node.hitCount * sampleMs;
    busy += ms;
    const where = area(script, functionName);
    byArea.set(where, (byArea.get(where) ?? 0) + ms);
    const name = `${functionName || '(anonymous)'} ${where}${script ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  }
  const top = (map: Map<string, number>, n: number, label: string) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, ms]) => ({ [label]: key, 'self ms': ms, '% of busy CPU': (ms / busy) * 100 }));
  console.log(`\n## Service CPU profile (GET 5 s + PUT 5 s, 32 connections; busy ${busy.toFixed(0)} ms)\n`);
  console.log(table(top(byArea, 15, 'package / file')));
  console.log('\n## Hottest functions (self time)\n');
  console.log(table(top(byFunction, 20, 'function')));
}

await main();
