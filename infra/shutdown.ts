// The ALB target group's side of the graceful-shutdown timeline. The timings themselves have one
// home, the chart's `shutdown` values block (read here through the chart package), so the pods, the
// target group and the HA drill cannot drift apart.
//
// Timeline of a terminating pod behind the ALB (t = start of the pod's deletion):
//   t=0                 pod Terminating; the LB controller deregisters the target, but the ALB keeps
//                       routing new requests to it for a while (its deregistration lag)
//   0..preStop          preStop sleep: the pod keeps serving normally
//   preStop             SIGTERM: /readyz turns 503, the service keeps serving for delayMs
//   +delayMs            the server stops accepting and drains in-flight requests for up to timeoutMs
//   +timeoutMs          forced exit
// The ALB keeps in-flight requests to a deregistering target for the deregistration delay, so that
// delay covers the whole timeline; the pod must accept new requests for longer than the ALB's lag.
import { acceptsNewRequestsSeconds, drainEndsSeconds, shutdownSettings } from '@high-available-server/chart';

/** Seconds the pod must keep accepting new requests beyond the load balancer's documented lag. */
export const LAG_MARGIN_SECONDS = 10;

export interface ShutdownTimings {
  preStopSleepSeconds: number;
  delayMs: number;
  timeoutMs: number;
  terminationGracePeriodSeconds: number;
  /** The target group's deregistration delay: until the pod has surely stopped serving. */
  deregistrationDelaySeconds: number;
}

export interface ShutdownOptions {
  /** The chart values files the release uses (relative to the chart); values-eks.yaml by default. */
  valuesFiles?: readonly string[];
  /**
   * How long the load balancer may still send new requests to a deregistered target (the ALB's
   * documented lag). When given, timings that stop accepting before lag + margin are refused.
   */
  loadBalancerLagSeconds?: number;
}

export class ShutdownTimingsError extends Error {
  override name = 'ShutdownTimingsError';
}

export function shutdownTimings(options: ShutdownOptions = {}): ShutdownTimings {
  const valuesFiles = options.valuesFiles ?? ['values-eks.yaml'];
  const settings = shutdownSettings(valuesFiles);
  const lag = options.loadBalancerLagSeconds;
  if (lag !== undefined && acceptsNewRequestsSeconds(settings) < lag + LAG_MARGIN_SECONDS) {
    throw new ShutdownTimingsError(
      `the pods stop accepting ${acceptsNewRequestsSeconds(settings)} s after their deletion starts ` +
        `(shutdown.preStopSleepSeconds + shutdown.delayMs in the chart's ${['values.yaml', ...valuesFiles].join(' + ')}), ` +
        `but the load balancer may send new requests for ${lag} s: raise preStopSleepSeconds to at least ` +
        `${Math.ceil(lag + LAG_MARGIN_SECONDS - settings.delayMs / 1000)} (lag + ${LAG_MARGIN_SECONDS} s margin).`,
    );
  }
  return { ...settings, deregistrationDelaySeconds: drainEndsSeconds(settings) };
}
