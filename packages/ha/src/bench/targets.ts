/** Median of a few measurements (the middle one; the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The medians the targets of issue 15 are judged on. */
export interface BenchFigures {
  /** Requests per second at saturation (wrk), median of the rounds. */
  readonly memory: {
    readonly service: { get: number; put: number };
    readonly minimalKoa: { get: number; put: number };
    readonly bare: { get: number; put: number };
  };
  readonly postgres: {
    readonly service: { get: number; put: number };
    readonly barePg: { get: number; put: number };
  };
  /** % of one core over the idle window, per server (default settings). */
  readonly idleCpuPercent: { readonly serviceMemory: number; readonly servicePostgres: number };
  /** Spawn until /readyz 200, median of the starts; PostgreSQL on a fresh database, migrations included. */
  readonly startupMs: { readonly memory: number; readonly postgres: number };
  /** Peak RSS of the service under load (MiB). */
  readonly rssUnderLoadMiB: { readonly memory: number; readonly postgres: number };
  /** `pnpm dev` on a fresh checkout: first start to ready and the server's memory (sum of PSS). */
  readonly dev: { readonly firstStartMs: number; readonly pssMiB: number } | undefined;
}

export interface TargetVerdict {
  /** Issue 15's point number. */
  readonly point: number;
  readonly target: string;
  readonly goal: string;
  readonly measured: string;
  /** undefined: could not be measured in this run. */
  readonly met: boolean | undefined;
}

const ratio = (a: number, b: number) => a / b;
const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** Every target of issue 15 (points 2, 3, 4, 7, 8) against the medians, met or missed. */
export function judgeTargets(f: BenchFigures): TargetVerdict[] {
  const verdict = (
    point: number,
    target: string,
    goal: string,
    value: number,
    measured: string,
    ok: (v: number) => boolean,
  ): TargetVerdict => ({
    point,
    target,
    goal,
    measured,
    met: Number.isFinite(value) ? ok(value) : undefined,
  });
  const list: TargetVerdict[] = [];
  for (const [name, value] of [
    ['service (memory)', f.idleCpuPercent.serviceMemory],
    ['service (postgres)', f.idleCpuPercent.servicePostgres],
  ] as const) {
    list.push(verdict(2, `idle CPU, ${name}`, '<= 1 % of a core', value, `${fixed(value)} %`, (v) => v <= 1));
  }
  for (const op of ['get', 'put'] as const) {
    const value = ratio(f.memory.service[op], f.memory.minimalKoa[op]);
    list.push(
      verdict(
        3,
        `memory store ${op.toUpperCase()}: service / minimal Koa`,
        '>= 0.90',
        value,
        fixed(value),
        (v) => v >= 0.9,
      ),
    );
  }
  for (const op of ['get', 'put'] as const) {
    const value = ratio(f.postgres.service[op], f.postgres.barePg[op]);
    list.push(
      verdict(
        4,
        `PostgreSQL ${op.toUpperCase()}: service / bare node:http + pg`,
        '>= 0.80',
        value,
        fixed(value),
        (v) => v >= 0.8,
      ),
    );
  }
  const dev = f.dev;
  list.push(
    verdict(
      7,
      '`pnpm dev` first start to ready',
      '<= 2 s',
      dev?.firstStartMs ?? Number.NaN,
      dev ? `${fixed(dev.firstStartMs / 1000)} s` : 'not measured',
      (v) => v <= 2000,
    ),
    verdict(
      7,
      '`pnpm dev` memory (sum of PSS of the server)',
      '<= 200 MB',
      dev?.pssMiB ?? Number.NaN,
      dev ? `${fixed(dev.pssMiB, 0)} MiB` : 'not measured',
      (v) => v * 2 ** 20 <= 200e6,
    ),
    verdict(
      8,
      'start to ready, memory store',
      '<= 1 s',
      f.startupMs.memory,
      `${fixed(f.startupMs.memory / 1000)} s`,
      (v) => v <= 1000,
    ),
    verdict(
      8,
      'start to ready, PostgreSQL (fresh database, migrations)',
      '<= 1 s',
      f.startupMs.postgres,
      `${fixed(f.startupMs.postgres / 1000)} s`,
      (v) => v <= 1000,
    ),
    verdict(
      8,
      'RSS under load, memory store',
      '<= 100 MB',
      f.rssUnderLoadMiB.memory,
      `${fixed(f.rssUnderLoadMiB.memory, 0)} MiB`,
      (v) => v * 2 ** 20 <= 100e6,
    ),
    verdict(
      8,
      'RSS under load, PostgreSQL store',
      '<= 100 MB',
      f.rssUnderLoadMiB.postgres,
      `${fixed(f.rssUnderLoadMiB.postgres, 0)} MiB`,
      (v) => v * 2 ** 20 <= 100e6,
    ),
  );
  return list;
}
