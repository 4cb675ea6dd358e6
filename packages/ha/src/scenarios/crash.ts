import { performance } from 'node:perf_hooks';
import { sleep } from '@high-available-server/testkit/process';
import { AcknowledgedWrites } from '../acknowledged-writes.js';
import { failureWindow, highest, topDetails } from '../stats.js';
import {
  assertHealthy,
  finishLoad,
  lostWriteNotes,
  ms,
  noLostWrites,
  phaseRow,
  type Scenario,
  startReplacement,
  steadyLoad,
} from './scenario.js';

/**
 * The kubelet notices a container's exit at its next relist (PLEG, every second) and restarts a crashed
 * container at once the first time (back-off only from the second crash on).
 */
const kubeletRestartDelayMs = 1000;
/** A request the dead slot received just before its new process listened is answered by then. */
const failureSettleMs = 1000;

/**
 * SIGKILL one replica under load behind the ALB's own health check; the kubelet restarts it in place (same
 * pod, same IP: the same slot and port). The ALB keeps routing to the dead target until either its health
 * check fails `unhealthyThreshold` times in a row (2 x 10 s) or the container is back (a few seconds): so
 * every request routed to it meanwhile fails, and no other may.
 */
export const crash: Scenario = {
  id: 'crash',
  title: '2. Crash (SIGKILL one replica under load; the kubelet restarts it in place)',
  async run(context) {
    const { cluster, lb } = context;
    await assertHealthy(cluster, lb);
    const victimIndex = 1;
    const victim = cluster.replicas[victimIndex];
    if (!victim) throw new Error('no replica to crash');
    const acknowledged = new AcknowledgedWrites();
    const load = steadyLoad(context, acknowledged);
    let inFlightAtKill = 0;
    let sentWhileDead = 0;
    let killedAt = Number.NaN;
    let readyAt = Number.NaN;
    let upAt = Number.NaN;
    let markedDownAt = Number.NaN;
    try {
      await sleep(1500);
      const before = (await lb.serverStats()).find((s) => s.name === victim.name);
      killedAt = performance.now();
      context.timeline.mark(`SIGKILL ${victim.name}`, 'fault', killedAt);
      await victim.kill();
      // Whether the ALB's health check takes it out before it is back (reported, not judged).
      let watching = true;
      const watch = (async () => {
        while (watching) {
          const status = (await lb.serverStats()).find((s) => s.name === victim.name)?.status ?? '';
          if (status === 'DOWN' && Number.isNaN(markedDownAt)) {
            markedDownAt = performance.now();
            context.timeline.mark(`LB: ${victim.name} DOWN`, 'phase', markedDownAt);
          }
          await sleep(100);
        }
      })();
      await sleep(kubeletRestartDelayMs);
      try {
        const replacement = await startReplacement(context, victimIndex, { register: false });
        readyAt = replacement.readyAt;
        upAt = replacement.upAt;
      } finally {
        watching = false;
        await watch;
      }
      const atReady = (await lb.serverStats()).find((s) => s.name === victim.name);
      inFlightAtKill = before?.currentSessions ?? 0;
      // Requests the LB had already sent the slot, or sent it while nothing listened there.
      sentWhileDead = (atReady?.totalSessions ?? 0) - (before?.totalSessions ?? 0);
      context.log(
        `  ${victim.name} killed; restarted and ready ${ms(readyAt - killedAt)} later; the LB ${Number.isNaN(markedDownAt) ? 'never marked it DOWN' : `marked it DOWN after ${ms(markedDownAt - killedAt)}`}`,
      );
      await sleep(1500);
    } finally {
      load.stop();
    }
    const outcome = await finishLoad(context, load, acknowledged);
    const { samples, failures, written } = outcome;
    const allowed = inFlightAtKill + sentWhileDead;
    const lastFailure = Math.max(killedAt, highest(failures.map((s) => s.endedAt)));
    return {
      title: this.title,
      rows: [
        phaseRow('under load, 1 crash', samples, {
          failed: failures.length,
          lost: written.lost.length,
          recovery: `ready ${ms(readyAt - killedAt)}, UP ${ms(upAt - killedAt)}`,
        }),
      ],
      verdicts: [
        {
          name: 'failed requests <= those the LB sent the dead replica',
          ok: failures.length <= allowed,
          detail: `${failures.length} failed; ${inFlightAtKill} in flight at the kill + ${sentWhileDead} sent to its slot until the restarted process was ready`,
        },
        {
          name: 'no failure once the restarted replica is ready',
          ok: lastFailure <= readyAt + failureSettleMs,
          detail: `restarted and ready ${ms(readyAt - killedAt)} after the kill (${ms(kubeletRestartDelayMs)} for the kubelet to restart it); last failed answer ${ms(lastFailure - killedAt)} after the kill; the LB's health check ${Number.isNaN(markedDownAt) ? 'never marked it DOWN' : `marked it DOWN after ${ms(markedDownAt - killedAt)}`}`,
        },
        {
          name: 'the restarted replica is UP behind the LB',
          ok: Number.isFinite(upAt),
          detail: `UP ${ms(upAt - killedAt)} after the kill`,
        },
        noLostWrites(written),
      ],
      notes: [
        ...topDetails(failures),
        ...failureWindow(failures, killedAt, 'kill'),
        ...lostWriteNotes(written),
      ],
    };
  },
};
