import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, pinner, startServer } from './bench/bench-processes.js';
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
  const entry = await serviceBuildFile('.');
  const dir = await mkdtemp(join(tmpdir(), 'ha-profile-'));
  const pin = await pinner();
  const service = await startServer(
    'service (memory)',
    [process.execPath, '--cpu-prof', '--cpu-prof-dir', dir, entry],
    { STORE: 'memory', LOG_LEVEL: 'info' },
    pin,
  );
  try {
    for (const op of ['get', 'put'] as const) {
      const job = {
        op,
        mode: 'closed',
        concurrency: 32,
        rps: 0,
        durationMs: 5000,
        population: 1000,
      } as const;
      const result = await measure(service, job, pin);
      console.log(`${op.toUpperCase()}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(1)} ms`);
    }
  } finally {
    // The profile is written on exit: give the service time to write it.
    await service.stop(15_000);
  }
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
