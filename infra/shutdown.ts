// One place for the graceful-shutdown timeline, so the chart's pod settings and the ALB target
// group's deregistration delay cannot drift apart.
//
// Timeline of a terminating pod behind the ALB:
//   t=0                 pod Terminating; the LB controller deregisters the target (no new requests
//                       once the ALB has propagated that, a few seconds)
//   0..preStop          preStop sleep: the pod keeps serving while deregistration propagates
//   preStop             SIGTERM: /readyz turns 503, the service keeps serving for delayMs
//   +delayMs            the server stops accepting and drains in-flight requests for up to timeoutMs
//   +timeoutMs          forced exit
// The ALB keeps in-flight connections to a deregistering target for the deregistration delay, so
// that delay covers the whole timeline; the grace period adds a margin on top so the kubelet
// never SIGKILLs a pod that is still draining.

export interface ShutdownTimings {
  preStopSleepSeconds: number;
  delayMs: number;
  timeoutMs: number;
  terminationGracePeriodSeconds: number;
  deregistrationDelaySeconds: number;
}

export interface ShutdownInputs {
  preStopSleepSeconds: number;
  delayMs: number;
  timeoutMs: number;
  /** Seconds between the drain deadline and SIGKILL. */
  marginSeconds: number;
}

export const DEFAULT_SHUTDOWN: ShutdownInputs = {
  preStopSleepSeconds: 10,
  delayMs: 5_000,
  timeoutMs: 20_000,
  marginSeconds: 5,
};

export function shutdownTimings(inputs: ShutdownInputs = DEFAULT_SHUTDOWN): ShutdownTimings {
  const drainEnds = inputs.preStopSleepSeconds + Math.ceil((inputs.delayMs + inputs.timeoutMs) / 1000);
  return {
    preStopSleepSeconds: inputs.preStopSleepSeconds,
    delayMs: inputs.delayMs,
    timeoutMs: inputs.timeoutMs,
    deregistrationDelaySeconds: drainEnds,
    terminationGracePeriodSeconds: drainEnds + inputs.marginSeconds,
  };
}
