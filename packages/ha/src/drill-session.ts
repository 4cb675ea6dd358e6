import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort as freeLoopbackPort } from '@high-available-server/testkit/free-port';
import { sleep } from '@high-available-server/testkit/process';
import { AcknowledgedWrites } from './acknowledged-writes.js';
import { type Cluster, metricsListener, startCluster } from './cluster.js';
import { locatePrometheus } from './debian-program.js';
import { drillPicture } from './drill-picture.js';
import { loadDispatcher } from './load-generator.js';
import { type Prometheus, startPrometheus } from './prometheus.js';
import { clientSlis, drillSlis, prometheusSlis, sliQueries } from './prometheus-slis.js';
import type { Cell, ScenarioReport } from './report.js';
import { type Scenario, type ScenarioContext, steadyLoad } from './scenarios/scenario.js';
import { percentile, summarize } from './stats.js';
import { ScenarioTimeline } from './timeline.js';
import { UserFactory } from './users.js';

/** The drill's fixed parameters (the figures). */
const drillSettings = {
  replicas: 3,
  rps: 300,
  timeoutMs: 5000,
  shutdownDelayMs: 2000,
  warmUpMs: 3000,
  /** Prometheus' scrape and rule-evaluation interval (issue 17: <= 1 s). */
  scrapeIntervalMs: 500,
} as const;

/** Two scrapes: by then the replicas' counters as Prometheus holds them include the load's last answers. */
const metricsSettleMs = 2 * drillSettings.scrapeIntervalMs;

const cacheDir = (name: string) => fileURLToPath(new URL(`../.cache/${name}`, import.meta.url));

/**
 * Rule files the drill's Prometheus loads. The drill's own short-window SLI rules until the chart's SLO
 * rules exist as a file: then that file goes here.
 */
export const drillRuleFiles: readonly string[] = [
  fileURLToPath(new URL('../prometheus/drill.rules.yml', import.meta.url)),
];

/** The session's shared parts; each scenario gets them plus its own timeline. */
export type SessionContext = Omit<ScenarioContext, 'timeline' | 'metricsSettleMs'>;

/** One scenario's outcome: its report (SLIs included) and its timeline (for the picture). */
export interface ScenarioRun {
  readonly report: ScenarioReport;
  readonly timeline: ScenarioTimeline;
}

export interface DrillSession {
  readonly context: SessionContext;
  readonly cluster: Cluster;
  readonly prometheus: Prometheus;
  /** Runs one scenario, then adds its SLIs as Prometheus and the drill saw them over its time range. */
  run(scenario: Scenario): Promise<ScenarioRun>;
  /** Every scenario run so far, in order. */
  readonly runs: readonly ScenarioRun[];
  /** Writes the picture of every scenario run so far (SVG) to `file` (default: the drill's log directory). */
  writePicture(file?: string): Promise<string>;
  /** Stops every process the session started. */
  close(): Promise<void>;
}

const percent = (share: number) => (Number.isFinite(share) ? `${(share * 100).toFixed(2)} %` : 'no data');

/** Starts PostgreSQL, three replicas, HAProxy and Prometheus, and the shared client for the scenarios. */
export async function openDrillSession(log: (line: string) => void): Promise<DrillSession> {
  const cluster = await startCluster({
    replicaCount: drillSettings.replicas,
    shutdownDelayMs: drillSettings.shutdownDelayMs,
    log,
  });
  let prometheus: Prometheus;
  try {
    const binary = await locatePrometheus(cacheDir('prometheus'));
    prometheus = await startPrometheus({
      binary,
      workDir: cluster.workDir,
      port: await freeLoopbackPort(),
      targets: cluster.metricsPorts.map((port, i) => ({
        name: cluster.replicas[i]?.name ?? `r${i + 1}`,
        port,
      })),
      scrapeIntervalMs: drillSettings.scrapeIntervalMs,
      ruleFiles: drillRuleFiles,
    });
    await prometheus.waitForTargets(20_000);
    log(
      `prometheus: ${binary.origin}, ${prometheus.url}, scraping /metrics on each replica's ${metricsListener} port every ${drillSettings.scrapeIntervalMs} ms`,
    );
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  const dispatcher = loadDispatcher();
  const context: SessionContext = {
    cluster,
    dispatcher,
    users: new UserFactory('drill'),
    rps: drillSettings.rps,
    timeoutMs: drillSettings.timeoutMs,
    log,
  };
  const runs: ScenarioRun[] = [];
  const openedAt = new Date();
  const loadAtStart = loadavg()[0] ?? 0;
  const session: DrillSession = {
    cluster,
    prometheus,
    context,
    runs,
    async run(scenario) {
      const timeline = new ScenarioTimeline(scenario.title);
      let report: ScenarioReport;
      try {
        report = await scenario.run({ ...context, timeline, metricsSettleMs });
      } catch (error) {
        report = {
          title: scenario.title,
          rows: [],
          verdicts: [{ name: 'scenario ran to the end', ok: false, detail: String(error) }],
          notes: [],
        };
      }
      timeline.end();
      const run = { report: await withSlis(report, timeline, prometheus), timeline };
      runs.push(run);
      return run;
    },
    async writePicture(file = join(cluster.workDir, 'drill.svg')) {
      const subtitle = [
        `${openedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
        `Node ${process.version}`,
        `${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length}`,
        `load average ${loadAtStart.toFixed(1)} at start`,
        `${context.rps} req/s steady, half PUT half GET`,
      ].join(' · ');
      const svg = drillPicture(
        runs.map(({ report, timeline }) => ({
          title: report.title,
          startedAt: timeline.startedAt,
          endedAt: timeline.loadEndedAt,
          samples: timeline.samples,
          events: timeline.events,
          verdictsFailed: report.verdicts.filter((v) => !v.ok).length,
          verdictsTotal: report.verdicts.length,
        })),
        { subtitle, latencyThresholdMs: drillSlis.latencyThresholdSeconds * 1000 },
      );
      await writeFile(file, svg);
      return file;
    },
    async close() {
      await dispatcher.close().catch(() => undefined);
      await prometheus.stop().catch(() => undefined);
      await cluster.stop();
    },
  };
  try {
    await warmUp({ ...context, timeline: new ScenarioTimeline('warm-up'), metricsSettleMs }, log);
  } catch (error) {
    await session.close();
    throw error;
  }
  return session;
}

/**
 * Adds the scenario's SLIs beside its table: as the drill's client saw them (through the load balancer,
 * unanswered requests included) and as Prometheus computed them from the replicas' own metrics over the
 * scenario's time range (its last scrape included). Two verdicts: Prometheus saw the scenario's traffic,
 * and every loaded rule evaluates without error.
 */
async function withSlis(
  report: ScenarioReport,
  timeline: ScenarioTimeline,
  prometheus: Prometheus,
): Promise<ScenarioReport> {
  // Requests answered in the scenario's last moments are in the next scrape: wait for it.
  const settle = metricsSettleMs;
  // Normally long past (the write read-back waited for it); a scenario that ended early waits here.
  await sleep(
    Math.max(0, timeline.loadEndedAt + settle + drillSettings.scrapeIntervalMs - performance.now()),
  );
  const window = {
    startMs: ScenarioTimeline.epochMs(timeline.startedAt),
    endMs: ScenarioTimeline.epochMs(timeline.loadEndedAt) + settle,
  };
  const client = clientSlis(timeline.samples, drillSlis);
  const verdicts = [...report.verdicts];
  let seen: Awaited<ReturnType<typeof prometheusSlis>> | undefined;
  let queryError = '';
  try {
    seen = await prometheusSlis(prometheus, drillSlis, window);
    const bucket = await prometheus.query(sliQueries(drillSlis, 1000).thresholdBucket, window.endMs);
    if (bucket.length === 0)
      queryError = `le="${drillSlis.latencyThresholdSeconds}" is not a bucket of http_request_duration_seconds`;
  } catch (error) {
    queryError = error instanceof Error ? error.message : String(error);
  }
  verdicts.push({
    name: "Prometheus saw the scenario's traffic",
    ok: queryError === '' && seen !== undefined && seen.requests > 0,
    detail:
      queryError ||
      `${Math.round(seen?.requests ?? 0)} /hello requests over ${((window.endMs - window.startMs) / 1000).toFixed(1)} s from the replicas' metrics`,
  });
  const rules = await prometheus
    .rules()
    .catch((error: unknown) => [{ group: '?', name: 'rules API', health: 'err', lastError: String(error) }]);
  const broken = rules.filter((rule) => rule.health === 'err');
  verdicts.push({
    name: 'the loaded rules evaluate without error',
    ok: broken.length === 0 && rules.length > 0,
    detail:
      broken.length > 0
        ? broken.map((rule) => `${rule.name}: ${rule.lastError}`).join('; ')
        : `${rules.length} rule(s) in ${new Set(rules.map((r) => r.group)).size} group(s), all healthy`,
  });
  const row = (source: string, figures: typeof client): Record<string, Cell> => ({
    source,
    requests: Number.isFinite(figures.requests) ? Math.round(figures.requests) : 'no data',
    '5xx': Number.isFinite(figures.errors) ? Math.round(figures.errors) : 'no data',
    availability: percent(figures.availability),
    [`<= ${drillSlis.latencyThresholdSeconds * 1000} ms`]: percent(figures.underThreshold),
  });
  const rows = [row('drill (client, through the LB; no answer = 5xx)', client)];
  if (seen)
    rows.push(
      row(`Prometheus (replicas' metrics; shed = 5xx; scrape ${drillSettings.scrapeIntervalMs} ms)`, seen),
    );
  // How late the client itself sent its requests: seconds mean the load generator was starved of CPU (a
  // busy machine), and timeouts counted as failures may be the client's, not the replicas'.
  const sendLagP99 = percentile(
    timeline.samples.map((s) => s.sendLagMs).sort((a, b) => a - b),
    0.99,
  );
  const notes =
    sendLagP99 > 500
      ? [
          ...report.notes,
          `the client sent its requests up to ${(sendLagP99 / 1000).toFixed(1)} s late (p99): it was starved of CPU (load average ${loadavg()[0]?.toFixed(1)}), and failures may be the machine's, not the service's`,
        ]
      : report.notes;
  return {
    ...report,
    verdicts,
    notes,
    extraTables: [
      ...(report.extraTables ?? []),
      {
        caption:
          "SLIs over the scenario's own time range (/hello: share not 5xx, share within the threshold)",
        rows,
      },
    ],
  };
}

/**
 * A few seconds of the steady load before the first scenario, as a deployment has served traffic before
 * anyone restarts it: three processes that have not yet JIT-compiled anything, starting together with
 * PostgreSQL on two cores, are CPU-saturated for their first second of traffic and shed a few requests,
 * which would be charged to whichever scenario runs first. Reported, never judged. (A replica the
 * scenarios start later comes up next to warm ones, as in a rolling deployment, and is judged.)
 */
async function warmUp(context: ScenarioContext, log: (line: string) => void): Promise<void> {
  const samples = await steadyLoad(context, new AcknowledgedWrites(), { durationMs: drillSettings.warmUpMs })
    .finished;
  const summary = summarize(samples);
  log(
    `warm-up (not judged): ${summary.requests} requests at ${context.rps}/s, ${summary.ok} OK, ${summary.unavailable} refused, ${summary.failed} failed, p99 ${summary.p99Ms.toFixed(0)} ms`,
  );
}
