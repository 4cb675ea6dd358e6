import { AcknowledgedWrites } from './acknowledged-writes.js';
import { type Cluster, startCluster } from './cluster.js';
import { loadDispatcher } from './load-generator.js';
import { type ScenarioContext, steadyLoad } from './scenarios/scenario.js';
import { summarize } from './stats.js';
import { UserFactory } from './users.js';

/** The drill's fixed parameters (the figures). */
const drillSettings = {
  replicas: 3,
  rps: 300,
  timeoutMs: 5000,
  shutdownDelayMs: 2000,
  warmUpMs: 3000,
} as const;

export interface DrillSession {
  readonly context: ScenarioContext;
  readonly cluster: Cluster;
  /** Stops every process the session started. */
  close(): Promise<void>;
}

/** Starts PostgreSQL, three replicas and HAProxy, and the shared client for the scenarios. */
export async function openDrillSession(log: (line: string) => void): Promise<DrillSession> {
  const cluster = await startCluster({
    replicaCount: drillSettings.replicas,
    shutdownDelayMs: drillSettings.shutdownDelayMs,
    log,
  });
  const dispatcher = loadDispatcher();
  const session: DrillSession = {
    cluster,
    context: {
      cluster,
      dispatcher,
      users: new UserFactory('drill'),
      rps: drillSettings.rps,
      timeoutMs: drillSettings.timeoutMs,
      log,
    },
    async close() {
      await dispatcher.close().catch(() => undefined);
      await cluster.stop();
    },
  };
  try {
    await warmUp(session.context, log);
  } catch (error) {
    await session.close();
    throw error;
  }
  return session;
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
