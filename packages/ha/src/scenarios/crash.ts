import { performance } from 'node:perf_hooks';
import { sleep } from '@high-available-server/testkit/process';
import { AcknowledgedWrites } from '../acknowledged-writes.js';
import { failureWindow, topDetails } from '../stats.js';
import { assertHealthy, ms, phaseRow, type Scenario, steadyLoad, verifyWrites } from './scenario.js';

/** SIGKILL one replica under load, then restart it. */
export const crash: Scenario = {
  id: 'crash',
  title: '2. Crash (SIGKILL one replica under load, restart it)',
  async run(context) {
    const { cluster } = context;
    await assertHealthy(cluster);
    const victimIndex = 1;
    const victim = cluster.replicas[victimIndex];
    if (!victim) throw new Error('no replica to crash');
    const acknowledged = new AcknowledgedWrites();
    const load = steadyLoad(context, acknowledged);
    let inFlightAtKill = 0;
    let sentBeforeDown = 0;
    let killedAt = 0;
    let downAfterMs = Number.NaN;
    let healthyAfterMs = Number.NaN;
    try {
      await sleep(1500);
      const before = (await cluster.lb.serverStats()).find((s) => s.name === victim.name);
      killedAt = performance.now();
      context.timeline.mark(`SIGKILL ${victim.name}`, 'fault', killedAt);
      await victim.kill();
      try {
        await cluster.lb.waitForStatus(victim.name, 'DOWN', 5000);
        downAfterMs = performance.now() - killedAt;
        context.timeline.mark(`LB: ${victim.name} DOWN`, 'phase');
      } catch {
        // Reported as a failed verdict below.
      }
      const atDown = (await cluster.lb.serverStats()).find((s) => s.name === victim.name);
      inFlightAtKill = before?.currentSessions ?? 0;
      // Requests the LB had already sent it, or sent it after the kill before it saw it DOWN.
      sentBeforeDown = (atDown?.totalSessions ?? 0) - (before?.totalSessions ?? 0);
      context.log(`  ${victim.name} killed; LB marked it DOWN after ${ms(downAfterMs)}`);
      await sleep(1000);
      const replacement = cluster.startReplica(victimIndex);
      await replacement.waitReady(20_000);
      await cluster.lb.waitForStatus(replacement.name, 'UP', 10_000);
      healthyAfterMs = performance.now() - killedAt;
      context.timeline.mark(`new ${replacement.name} UP`, 'recovery');
      await sleep(1500);
    } finally {
      load.stop();
    }
    const samples = await load.finished;
    const written = await verifyWrites(context, acknowledged);
    const failures = samples.filter((s) => s.outcome !== 'ok');
    const allowed = inFlightAtKill + sentBeforeDown;
    const lastFailureAfterKill = Math.max(0, ...failures.map((s) => s.endedAt - killedAt));
    return {
      title: this.title,
      rows: [
        phaseRow('under load, 1 crash', samples, {
          failed: failures.length,
          lost: written.lost.length,
          recovery: `DOWN ${ms(downAfterMs)}, back UP ${ms(healthyAfterMs)}`,
        }),
      ],
      verdicts: [
        {
          name: 'failed requests <= those in flight on the killed replica',
          ok: failures.length <= allowed,
          detail: `${failures.length} failed; ${inFlightAtKill} in flight at the kill + ${sentBeforeDown} sent to it between the kill and DOWN`,
        },
        {
          name: '0 lost acknowledged writes',
          ok: written.lost.length === 0,
          detail: `${written.lost.length} of ${written.checked} acknowledged PUTs missing`,
        },
        {
          name: 'LB stops routing to it within 1 s',
          ok: downAfterMs <= 1000 && lastFailureAfterKill <= 1000,
          detail: `marked DOWN ${ms(downAfterMs)} after the kill; last failed answer ${ms(lastFailureAfterKill)} after it`,
        },
      ],
      notes: [
        ...topDetails(failures),
        ...failureWindow(failures, killedAt, 'kill'),
        ...written.lost.slice(0, 3).map((l) => `lost ${l.username}: ${l.answer}`),
      ],
    };
  },
};
