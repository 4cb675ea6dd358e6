import { shutdownSettings } from '@high-available-server/chart';
import {
  ALB_DEREGISTRATION_LAG_SECONDS,
  ALB_HEALTH_CHECK,
} from '@high-available-server/infra/load-balancer-health';

/** A load balancer's active health check (HAProxy's `inter`, `timeout check`, `rise`, `fall`). */
export interface HealthCheck {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive passes before a server gets traffic. */
  readonly healthyThreshold: number;
  /** Consecutive failures before it stops getting traffic. */
  readonly unhealthyThreshold: number;
}

/** What a replica does from the start of its deletion, as the chart's `shutdown` block says (scaled). */
export interface DrainTimeline {
  /** preStop sleep: the pod serves normally while load balancers stop sending to it. */
  readonly preStopMs: number;
  /** SHUTDOWN_DELAY_MS: after SIGTERM, /readyz 503, still serving. */
  readonly delayMs: number;
  /** SHUTDOWN_TIMEOUT_MS: bound on draining in-flight requests. */
  readonly timeoutMs: number;
  /** terminationGracePeriodSeconds: from the start of the deletion to SIGKILL. */
  readonly graceMs: number;
}

/** Every production timing the drill models, each from its one home, shrunk by `timeScale`. */
export interface DrillTimings {
  /** 1 = as in production; 0.05 = everything 20x faster. */
  readonly timeScale: number;
  /** The ALB's target-group health check (infra), never scaled: what the database and credential scenarios run behind. */
  readonly albHealthCheck: HealthCheck;
  /** The same health check x timeScale: the rolling restart's load balancer. */
  readonly scaledHealthCheck: HealthCheck;
  /** The chart's drain timeline x timeScale (values.yaml + values-eks.yaml, the release behind the ALB). */
  readonly drain: DrainTimeline;
  /** How long the ALB keeps sending new requests to a deregistering target (infra's figure) x timeScale. */
  readonly deregistrationLagMs: number;
  /** How long after a credential rotation the pods' files change (ESO refresh + kubelet sync, or the CLI's figure). */
  readonly credentialLagMs: number;
}

/**
 * How long a rotated database credential takes to reach a pod's files in production: External Secrets'
 * refresh of the app Secret (15 min, infra's ExternalSecret) plus the kubelet's sync of a Secret volume
 * (about a minute).
 */
export const PRODUCTION_CREDENTIAL_LAG_SECONDS = 15 * 60 + 60;

/** The chart values files of the release behind the ALB (the EKS stacks). */
export const ALB_RELEASE_VALUES = ['values-eks.yaml'] as const;

/** The time scale `pnpm test` runs at: 20x faster (a 125 s preStop becomes 6.25 s). */
export const CI_TIME_SCALE = 0.05;

/**
 * The credential lag `pnpm test` runs with: a few seconds, long enough for the replicas to reconnect with
 * the old files while the database already holds the new credential. Production's is up to 16 min
 * (`PRODUCTION_CREDENTIAL_LAG_SECONDS`); with alternating users its length does not matter as long as it
 * is shorter than the rotation period (30 days), so CI does not wait for it.
 */
export const CI_CREDENTIAL_LAG_SECONDS = 3;

export class DrillTimingsError extends Error {}

function albHealthCheck(): HealthCheck {
  return {
    intervalMs: ALB_HEALTH_CHECK.intervalSeconds * 1000,
    timeoutMs: ALB_HEALTH_CHECK.timeoutSeconds * 1000,
    healthyThreshold: ALB_HEALTH_CHECK.healthyThreshold,
    unhealthyThreshold: ALB_HEALTH_CHECK.unhealthyThreshold,
  };
}

/**
 * The drill's timings at `timeScale` (0 < scale <= 1). Every duration is multiplied by the same factor, so
 * the relations production relies on hold at any scale (the ALB's lag < the time a deleted pod accepts new
 * requests < its grace period); the health check's thresholds are counts and stay as they are.
 * `credentialLagSeconds` defaults to production's lag x timeScale.
 */
export function drillTimings(
  timeScale: number,
  options: { credentialLagSeconds?: number } = {},
): DrillTimings {
  if (!(timeScale > 0 && timeScale <= 1))
    throw new DrillTimingsError(
      `the time scale must be > 0 and <= 1 (1 = production's timings); got ${timeScale}`,
    );
  const lagSeconds = options.credentialLagSeconds ?? PRODUCTION_CREDENTIAL_LAG_SECONDS * timeScale;
  if (!(lagSeconds >= 0))
    throw new DrillTimingsError(`the credential lag must be a number of seconds >= 0; got ${lagSeconds}`);
  const scaled = (ms: number) => Math.round(ms * timeScale);
  const shutdown = shutdownSettings(ALB_RELEASE_VALUES);
  const alb = albHealthCheck();
  return {
    timeScale,
    albHealthCheck: alb,
    scaledHealthCheck: { ...alb, intervalMs: scaled(alb.intervalMs), timeoutMs: scaled(alb.timeoutMs) },
    drain: {
      preStopMs: scaled(shutdown.preStopSleepSeconds * 1000),
      delayMs: scaled(shutdown.delayMs),
      timeoutMs: scaled(shutdown.timeoutMs),
      graceMs: scaled(shutdown.terminationGracePeriodSeconds * 1000),
    },
    deregistrationLagMs: scaled(ALB_DEREGISTRATION_LAG_SECONDS * 1000),
    credentialLagMs: Math.round(lagSeconds * 1000),
  };
}

/** Milliseconds from the start of a deletion during which the replica still accepts new requests. */
export function acceptsNewRequestsMs(drain: DrainTimeline): number {
  return drain.preStopMs + drain.delayMs;
}

/** One line for the drill's header: the timings and where they come from. */
export function describeTimings(timings: DrillTimings): string {
  const s = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;
  const { drain } = timings;
  return [
    `time scale ${timings.timeScale}${timings.timeScale === 1 ? ' (production timings)' : ''}`,
    `drain (chart, x scale): preStop ${s(drain.preStopMs)}, delay ${s(drain.delayMs)}, drain bound ${s(drain.timeoutMs)}, grace ${s(drain.graceMs)}`,
    `ALB lag (infra, x scale) ${s(timings.deregistrationLagMs)}`,
    `ALB health check (infra): every ${s(timings.albHealthCheck.intervalMs)}, timeout ${s(timings.albHealthCheck.timeoutMs)}, healthy ${timings.albHealthCheck.healthyThreshold}, unhealthy ${timings.albHealthCheck.unhealthyThreshold} (rolling restart: every ${s(timings.scaledHealthCheck.intervalMs)}, timeout ${s(timings.scaledHealthCheck.timeoutMs)})`,
    `credential lag ${s(timings.credentialLagMs)}`,
  ].join('; ');
}
