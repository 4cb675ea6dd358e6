import { type Cluster, startCluster } from './cluster.js';
import { loadDispatcher } from './load-generator.js';
import type { ScenarioContext } from './scenarios/scenario.js';
import { UserFactory } from './users.js';

/** The drill's fixed parameters (the figures). */
const drillSettings = {
  replicas: 3,
  rps: 300,
  timeoutMs: 5000,
  shutdownDelayMs: 2000,
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
  return {
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
}
