import { performance } from 'node:perf_hooks';
import { type ProcessExit, sleep } from '@high-available-server/testkit/process';
import { AcknowledgedWrites } from '../acknowledged-writes.js';
import { acceptsNewRequestsMs } from '../drill-timings.js';
import type { Sample } from '../load-generator.js';
import { topDetails } from '../stats.js';
import {
  assertHealthy,
  fewOverloadRefusals,
  finishLoad,
  isOverloadRefusal,
  lostWriteNotes,
  ms,
  noFailedRequests,
  noLostWrites,
  phaseRow,
  type Scenario,
  sleepUntil,
  startReplacement,
  steadyLoad,
} from './scenario.js';

interface Deletion {
  readonly name: string;
  /** When it got SIGTERM (after its preStop sleep): from here it drains. */
  readonly signalledAt: number;
  readonly exit: ProcessExit;
  /** SIGTERM to exit. */
  readonly drainMs: number;
  /** Requests the load balancer sent the replica between the start of its deletion and its deregistration. */
  readonly sentDuringLag: number;
  /** From the start of the deletion to the replacement UP behind the load balancer. */
  readonly replacedInMs: number;
}

/** A deleted replica's last answers reach the client this long after its exit, at most. */
const exitSlackMs = 500;

const seconds = (value: number) => `${Number((value / 1000).toFixed(2))} s`;

/**
 * Each replica deleted in turn as Kubernetes deletes a pod behind the ALB, on the chart's drain timeline
 * and with the ALB's deregistration lag, both x the time scale: from the start of the deletion the load
 * balancer keeps sending it new requests for the lag (then it is deregistered: HAProxy `maint`); the
 * replica sleeps its preStop, gets SIGTERM, keeps serving for SHUTDOWN_DELAY_MS, drains and exits
 * (SIGKILL at the grace period). Then a new process in the slot is registered and must pass the health check
 * before the next deletion (maxUnavailable 0 waits for the new pod's readiness gate the same way).
 */
export const rollingRestart: Scenario = {
  id: 'rolling-restart',
  title:
    '1. Rolling restart (each replica deleted in turn, on the chart drain timeline, behind an ALB that lags)',
  loadBalancer: 'scaled',
  async run(context) {
    const { cluster, lb } = context;
    const { drain, deregistrationLagMs } = cluster.timings;
    await assertHealthy(cluster, lb);
    const acknowledged = new AcknowledgedWrites();
    const load = steadyLoad(context, acknowledged, { durationMs: 30 * 60_000 });
    const deletions: Deletion[] = [];
    const sent = async (name: string) =>
      (await lb.serverStats()).find((stat) => stat.name === name)?.totalSessions ?? 0;
    try {
      await sleep(1000);
      for (let index = 0; index < cluster.replicas.length; index++) {
        const old = cluster.replicas[index];
        if (!old) continue;
        const deletedAt = performance.now();
        const sentBefore = await sent(old.name);
        context.timeline.mark(`delete ${old.name}`, 'fault', deletedAt);
        // The ALB: new requests keep coming for its lag, then the target is deregistered.
        const deregistered = (async () => {
          await sleepUntil(deletedAt + deregistrationLagMs);
          await lb.setServerState(old.name, 'maint');
          context.timeline.mark(`LB deregisters ${old.name}`, 'phase');
          return (await sent(old.name)) - sentBefore;
        })();
        // The kubelet: preStop sleep, SIGTERM, SIGKILL at the grace period.
        await sleepUntil(deletedAt + drain.preStopMs);
        const signalledAt = performance.now();
        context.timeline.mark(`SIGTERM ${old.name}`, 'phase', signalledAt);
        const exit = await old.terminate(Math.max(0, deletedAt + drain.graceMs - performance.now()));
        context.timeline.mark(`${old.name} exited ${exit.code ?? exit.signal}`, 'phase', exit.at);
        const sentDuringLag = await deregistered;
        const replacement = await startReplacement(context, index, { register: true });
        deletions.push({
          name: old.name,
          signalledAt,
          exit,
          drainMs: exit.at - signalledAt,
          sentDuringLag,
          replacedInMs: replacement.upAt - deletedAt,
        });
        context.log(
          `  ${old.name}: ${sentDuringLag} requests during the lag, exit ${exit.code ?? exit.signal} ${ms(exit.at - signalledAt)} after SIGTERM, new one UP ${ms(replacement.upAt - deletedAt)} after the deletion`,
        );
      }
      await sleep(1000);
    } finally {
      load.stop();
    }
    const outcome = await finishLoad(context, load, acknowledged);
    const { samples, failures, written } = outcome;
    // Answered by a replica while it drained (from its SIGTERM to its exit; the slot's new process gets
    // traffic only after passing the health check, well after that). During its preStop sleep it serves
    // as any replica does: a failure then counts as one, an overload refusal as one.
    const fromDeleted = (s: Sample) =>
      deletions.some(
        (d) => s.server === d.name && s.endedAt >= d.signalledAt && s.endedAt <= d.exit.at + exitSlackMs,
      );
    // Serving replicas shedding load are not the restart: judged apart. A deleted replica's 503 is.
    const sheds = failures.filter((s) => isOverloadRefusal(s) && !fromDeleted(s));
    const counted = failures.filter((s) => !sheds.includes(s));
    const slowest = Math.max(...deletions.map((d) => d.replacedInMs));
    const accepts = acceptsNewRequestsMs(drain);
    return {
      title: this.title,
      rows: [
        phaseRow(`under load, ${cluster.replicas.length} deletions`, samples, {
          failed: counted.length,
          lost: written.lost.length,
          recovery: `${ms(slowest)} per replica (max)`,
        }),
      ],
      verdicts: [
        {
          name: "the chart's drain outlasts the ALB's lag",
          ok: deregistrationLagMs < accepts && accepts + drain.timeoutMs < drain.graceMs,
          detail: `x ${cluster.timings.timeScale}: new requests for ${seconds(deregistrationLagMs)} (lag); accepted for ${seconds(accepts)} (preStop ${seconds(drain.preStopMs)} + delay ${seconds(drain.delayMs)}); drain bound ${seconds(drain.timeoutMs)}; grace ${seconds(drain.graceMs)}`,
        },
        {
          name: 'the LB sent new requests to each deleted replica during the lag',
          ok: deletions.length === cluster.replicas.length && deletions.every((d) => d.sentDuringLag > 0),
          detail: deletions.map((d) => `${d.name}: ${d.sentDuringLag}`).join(', '),
        },
        noFailedRequests(outcome, sheds),
        {
          name: 'no 5xx or other failure from a draining replica (SIGTERM to exit), none from the LB itself',
          ok: counted.every((s) => !fromDeleted(s) && s.server !== undefined),
          detail: `${counted.filter(fromDeleted).length} answered by a draining replica, ${counted.filter((s) => s.server === undefined).length} by the LB or no one (its own 503 page, a reset, a timeout); ${samples.filter(fromDeleted).length} requests answered by draining replicas in all`,
        },
        fewOverloadRefusals(samples, sheds),
        noLostWrites(written),
        {
          name: 'every replica drained and exited 0 within its grace period',
          ok: deletions.length === cluster.replicas.length && deletions.every((d) => d.exit.code === 0),
          detail: deletions
            .map((d) => `${d.name}=${d.exit.code ?? d.exit.signal} (drained in ${ms(d.drainMs)})`)
            .join(', '),
        },
      ],
      notes: [...topDetails(counted), ...topDetails(sheds, 1), ...lostWriteNotes(written)],
    };
  },
};
