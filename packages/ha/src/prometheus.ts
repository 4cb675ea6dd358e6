import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exitOf, stopProcess, waitUntil } from '@high-available-server/testkit/process';
import { request } from 'undici';
import { stringify } from 'yaml';

export interface ScrapeTarget {
  /** Replica name, the `replica` label of its series. */
  readonly name: string;
  readonly port: number;
}

export interface PrometheusOptions {
  /** The `prometheus` executable (`locatePrometheusTools()` of the observability package). */
  readonly binary: string;
  /** Where the config, the TSDB and the log go. */
  readonly workDir: string;
  readonly port: number;
  readonly targets: readonly ScrapeTarget[];
  readonly scrapeIntervalMs: number;
  /** Rule files to load (recording and alerting rules), as a Prometheus in the cluster would. */
  readonly ruleFiles: readonly string[];
}

/** One series of an instant query's answer. */
export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A rule as Prometheus evaluates it (`/api/v1/rules`). */
export interface RuleHealth {
  readonly group: string;
  readonly name: string;
  readonly health: string;
  readonly lastError: string;
}

export interface Prometheus {
  readonly url: string;
  readonly logFile: string;
  /** Instant query at `atMs` (epoch ms). Throws with Prometheus' own message on a bad query. */
  query(expr: string, atMs: number): Promise<VectorSample[]>;
  rules(): Promise<RuleHealth[]>;
  /**
   * Waits until every target has been scraped successfully once. Prometheus applies a new target list at
   * most every 5 s, so the first scrape comes up to ~5 s after start.
   */
  waitForTargets(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** The scrape job's name: the `job` label the SLO rules select. */
export const DRILL_JOB = 'hello';

/** prometheus.yml: one job scraping every replica's /metrics at `scrapeIntervalMs`. */
export function prometheusConfig(
  options: Pick<PrometheusOptions, 'targets' | 'scrapeIntervalMs' | 'ruleFiles'>,
) {
  const interval = `${options.scrapeIntervalMs}ms`;
  return stringify({
    global: {
      scrape_interval: interval,
      // A replica that does not answer within most of an interval is down for that scrape.
      scrape_timeout: `${Math.floor(options.scrapeIntervalMs * 0.8)}ms`,
      evaluation_interval: interval,
    },
    rule_files: [...options.ruleFiles],
    scrape_configs: [
      {
        job_name: DRILL_JOB,
        metrics_path: '/metrics',
        static_configs: options.targets.map((target) => ({
          targets: [`127.0.0.1:${target.port}`],
          labels: { replica: target.name },
        })),
      },
    ],
  });
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  const configFile = join(options.workDir, 'prometheus.yml');
  const dataDir = join(options.workDir, 'prometheus-data');
  const logFile = join(options.workDir, 'prometheus.log');
  await mkdir(dataDir, { recursive: true });
  await writeFile(configFile, prometheusConfig(options));
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    options.binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${options.port}`,
      '--storage.tsdb.retention.time=1d',
      '--log.level=warn',
    ],
    { stdio: ['ignore', log, log] },
  );
  // The child has its own copy of the descriptor.
  closeSync(log);
  const exited = exitOf(child);
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const url = `http://127.0.0.1:${options.port}`;
  const api = async <T>(path: string): Promise<T> => {
    const response = await request(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
    const answer = (await response.body.json()) as ApiAnswer<T>;
    if (answer.status !== 'success')
      throw new Error(`Prometheus ${path}: ${answer.error ?? response.statusCode}`);
    return answer.data;
  };
  try {
    await waitUntil(
      async () => {
        if (gone) throw new Error(`Prometheus exited at start (see ${logFile})`);
        return request(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).then(
          async (response) => {
            await response.body.dump();
            return response.statusCode === 200;
          },
          () => false,
        );
      },
      { timeoutMs: 30_000, intervalMs: 100, message: `Prometheus was not ready (see ${logFile})` },
    );
  } catch (error) {
    if (!gone) await stopProcess(child, 'SIGTERM', 2000);
    throw error;
  }
  return {
    url,
    logFile,
    async query(expr, atMs) {
      const data = await api<{
        resultType: string;
        result: { metric: Record<string, string>; value: [number, string] }[];
      }>(`/api/v1/query?query=${encodeURIComponent(expr)}&time=${(atMs / 1000).toFixed(3)}`);
      return data.result.map((series) => ({ metric: series.metric, value: Number(series.value[1]) }));
    },
    async rules() {
      const data = await api<{
        groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[];
      }>('/api/v1/rules');
      return data.groups.flatMap((group) =>
        group.rules.map((rule) => ({
          group: group.name,
          name: rule.name,
          health: rule.health,
          lastError: rule.lastError ?? '',
        })),
      );
    },
    async waitForTargets(timeoutMs) {
      await waitUntil(
        async () => {
          const data = await api<{ activeTargets: { health: string }[] }>('/api/v1/targets?state=active');
          return (
            data.activeTargets.length === options.targets.length &&
            data.activeTargets.every((target) => target.health === 'up')
          );
        },
        { timeoutMs, intervalMs: 200, message: `Prometheus did not scrape every target (see ${logFile})` },
      );
    },
    async stop() {
      if (!gone) await stopProcess(child, 'SIGTERM', 5000);
    },
  };
}
