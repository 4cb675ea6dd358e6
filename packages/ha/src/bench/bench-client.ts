import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { percentile } from '../stats.js';
import { UserFactory } from '../users.js';

/** What the orchestrator asks one client run for (JSON in argv[2]). */
export interface ClientJob {
  readonly url: string;
  readonly op: 'get' | 'put';
  /** closed: `concurrency` clients back to back (throughput); open: fixed `rps` (latency at a rate). */
  readonly mode: 'closed' | 'open';
  readonly concurrency: number;
  readonly rps: number;
  readonly durationMs: number;
  /** GETs read these many users, PUT first (not measured). */
  readonly population: number;
}

export interface ClientResult {
  readonly requests: number;
  readonly errors: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU the client itself used, in % of one core: near 100 means the client was the bottleneck. */
  readonly clientCpuPercent: number;
}

const job = JSON.parse(process.argv[2] as string) as ClientJob;
const dispatcher = new Agent({
  connections: Math.max(job.concurrency, 64),
  pipelining: 1,
  keepAliveTimeout: 4_000,
});
const users = new UserFactory('bench');

async function call(method: 'GET' | 'PUT', username: string, dateOfBirth: string, expected: number) {
  const response = await request(`${job.url}/hello/${username}`, {
    dispatcher,
    method,
    ...(method === 'PUT'
      ? { headers: { 'content-type': 'application/json' }, body: `{"dateOfBirth":"${dateOfBirth}"}` }
      : {}),
    signal: AbortSignal.timeout(5000),
  });
  await response.body.dump();
  return response.statusCode === expected;
}

const population = Array.from({ length: job.population }, () => users.next());
for (let i = 0; i < population.length; i += 50) {
  await Promise.all(population.slice(i, i + 50).map((u) => call('PUT', u.username, u.dateOfBirth, 204)));
}

const latencies: number[] = [];
let errors = 0;
const one = async (dueAt: number) => {
  let ok = false;
  try {
    if (job.op === 'get') {
      const user = population[Math.floor(Math.random() * population.length)];
      ok = user ? await call('GET', user.username, user.dateOfBirth, 200) : false;
    } else {
      const user = users.next();
      ok = await call('PUT', user.username, user.dateOfBirth, 204);
    }
  } catch {
    ok = false;
  }
  if (!ok) errors++;
  latencies.push(performance.now() - dueAt);
};

const cpuBefore = process.cpuUsage();
const started = performance.now();
const end = started + job.durationMs;
if (job.mode === 'closed') {
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (performance.now() < end) await one(performance.now());
    }),
  );
} else {
  const interval = 1000 / job.rps;
  const total = Math.round((job.durationMs / 1000) * job.rps);
  const pending: Promise<void>[] = [];
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
    for (; sent < due; sent++) pending.push(one(started + sent * interval));
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(1, started + sent * interval - performance.now())),
    );
  }
  await Promise.all(pending);
}
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
latencies.sort((a, b) => a - b);
const result: ClientResult = {
  requests: latencies.length,
  errors,
  rps: (latencies.length / elapsedMs) * 1000,
  p50Ms: percentile(latencies, 0.5),
  p99Ms: percentile(latencies, 0.99),
  clientCpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
await dispatcher.close();
