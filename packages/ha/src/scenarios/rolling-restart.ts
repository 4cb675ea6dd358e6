import { performance } from 'node:perf_hooks';
import { type ProcessExit, sleep } from '@high-available-server/testkit/process';
import { AcknowledgedWrites } from '../acknowledged-writes.js';
import { topDetails } from '../stats.js';
import { assertHealthy, ms, phaseRow, type Scenario, steadyLoad, verifyWrites } from './scenario.js';

/** SIGTERM each replica in turn under load; its replacement must be healthy before the next one goes. */
export const rollingRestart: Scenario = {
  id: 'rolling-restart',
  title:
    '1. Rolling restart (SIGTERM each replica in turn, start a new one, wait until healthy behind the LB)',
  async run(context) {
    const { cluster } = context;
    await assertHealthy(cluster);
    const acknowledged = new AcknowledgedWrites();
    const load = steadyLoad(context, acknowledged);
    const exits: { name: string; exit: ProcessExit; drainMs: number; replacedInMs: number }[] = [];
    try {
      await sleep(1000);
      for (let index = 0; index < cluster.replicas.length; index++) {
        const old = cluster.replicas[index];
        if (!old) continue;
        const signalledAt = performance.now();
        context.timeline.mark(`SIGTERM ${old.name}`, 'fault', signalledAt);
        const exit = await old.terminate(20_000);
        context.timeline.mark(`${old.name} exited ${exit.code ?? exit.signal}`, 'phase', exit.at);
        const drainMs = exit.at - signalledAt;
        const replacement = cluster.startReplica(index);
        await replacement.waitReady(20_000);
        await cluster.lb.waitForStatus(replacement.name, 'UP', 10_000);
        context.timeline.mark(`new ${replacement.name} UP`, 'recovery');
        exits.push({ name: old.name, exit, drainMs, replacedInMs: performance.now() - signalledAt });
        context.log(`  ${old.name}: exit ${exit.code ?? exit.signal} after ${ms(drainMs)}, replaced and UP`);
      }
      await sleep(1000);
    } finally {
      load.stop();
    }
    const samples = await load.finished;
    const written = await verifyWrites(context, acknowledged);
    const failures = samples.filter((s) => s.outcome !== 'ok');
    const slowest = Math.max(...exits.map((e) => e.replacedInMs));
    return {
      title: this.title,
      rows: [
        phaseRow('under load, 3 restarts', samples, {
          failed: failures.length,
          lost: written.lost.length,
          recovery: `${ms(slowest)} per replica (max)`,
        }),
      ],
      verdicts: [
        {
          name: '0 failed requests',
          ok: failures.length === 0,
          detail: `${failures.length} of ${samples.length} (any non-expected answer, 503 included)`,
        },
        {
          name: '0 lost writes',
          ok: written.lost.length === 0,
          detail: `${written.lost.length} of ${written.checked} acknowledged PUTs missing`,
        },
        {
          name: 'every exit code 0',
          ok: exits.length === cluster.replicas.length && exits.every((e) => e.exit.code === 0),
          detail: exits
            .map((e) => `${e.name}=${e.exit.code ?? e.exit.signal} (drained in ${ms(e.drainMs)})`)
            .join(', '),
        },
      ],
      notes: [
        ...topDetails(failures),
        ...written.lost.slice(0, 3).map((l) => `lost ${l.username}: ${l.answer}`),
      ],
    };
  },
};
