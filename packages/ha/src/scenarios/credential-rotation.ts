import { performance } from 'node:perf_hooks';
import { sleep } from '@high-available-server/testkit/process';
import { AcknowledgedWrites } from '../acknowledged-writes.js';
import type { Rotation } from '../database-logins.js';
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
  steadyLoad,
} from './scenario.js';

const rotations = 2;
/** After sessions are cut, the replicas reconnect with the next requests: give them this long. */
const reconnectMs = 1000;

interface RotationRecord {
  readonly rotation: Rotation;
  /** Sessions ended right after the database changed (reconnect with the files' previous credential). */
  readonly terminatedBeforeFiles: number;
  /** The logins the app's sessions used just before the files changed. */
  readonly usersBeforeFiles: readonly string[];
  /** Sessions ended right after the files changed (reconnect with the new credential). */
  readonly terminatedAfterFiles: number;
  /** The logins the app's sessions used a second after that. */
  readonly usersAfterFiles: readonly string[];
}

/**
 * The app's database credential rotated the way production rotates it, under load: Secrets Manager's
 * alternating-users function gives the login that is not current a new password (creating
 * `hello_app_login_clone` the first time) and makes it current; the pods' files follow only after the
 * lag (External Secrets' refresh + the kubelet's sync), swapped atomically as the kubelet does; sessions
 * are terminated both before and after the files change (a failover or an operator would). Twice, so
 * the second rotation gives the first login a new password: the credential the replicas started with is
 * then refused, and they keep working only by reading their files.
 */
export const credentialRotation: Scenario = {
  id: 'credential-rotation',
  title: '4. Credential rotation (alternating users; files follow after a lag; sessions terminated)',
  async run(context) {
    const { cluster, lb } = context;
    const { database, appSecret } = cluster;
    const lagMs = cluster.timings.credentialLagMs;
    await assertHealthy(cluster, lb);
    const pids = cluster.replicas.map((r) => r.pid);
    const started = database.current();
    const acknowledged = new AcknowledgedWrites();
    const load = steadyLoad(context, acknowledged, { durationMs: rotations * (lagMs + 10_000) + 60_000 });
    const records: RotationRecord[] = [];
    try {
      await sleep(1500);
      for (let round = 1; round <= rotations; round++) {
        const rotatedAt = performance.now();
        const rotation = await database.rotate();
        context.timeline.mark(
          `rotation ${round}: database → ${rotation.current.username}`,
          'fault',
          rotatedAt,
        );
        const terminatedBeforeFiles = await database.terminateAppSessions();
        context.timeline.mark(`${terminatedBeforeFiles} sessions terminated`, 'fault');
        await sleepUntil(rotatedAt + lagMs);
        const usersBeforeFiles = await database.appSessionUsers();
        await appSecret.write(rotation.current);
        context.timeline.mark(`files → ${rotation.current.username}`, 'recovery');
        const terminatedAfterFiles = await database.terminateAppSessions();
        context.timeline.mark(`${terminatedAfterFiles} sessions terminated`, 'fault');
        await sleep(reconnectMs);
        const usersAfterFiles = await database.appSessionUsers();
        records.push({
          rotation,
          terminatedBeforeFiles,
          usersBeforeFiles,
          terminatedAfterFiles,
          usersAfterFiles,
        });
        context.log(
          `  rotation ${round}: ${rotation.previous.username} → ${rotation.current.username}; sessions before the files changed: ${usersBeforeFiles.join(', ')}; after: ${usersAfterFiles.join(', ')}`,
        );
      }
      await sleep(1000);
    } finally {
      load.stop();
    }
    const outcome = await finishLoad(context, load, acknowledged);
    const { samples, failures, written } = outcome;
    // A replica shedding load is not the rotation: judged apart (a store-down 503 is the rotation's).
    const sheds = failures.filter(isOverloadRefusal);
    const startingCredentialRefused = !(await database.canLogIn(started));
    const stayedUp = cluster.replicas.every((r, i) => r.isRunning() && r.pid === pids[i]);
    const followed = records.every(
      (r) =>
        r.terminatedBeforeFiles > 0 &&
        r.terminatedAfterFiles > 0 &&
        r.usersBeforeFiles.length > 0 &&
        r.usersBeforeFiles.every((user) => user === r.rotation.previous.username) &&
        r.usersAfterFiles.length > 0 &&
        r.usersAfterFiles.every((user) => user === r.rotation.current.username),
    );
    return {
      title: this.title,
      rows: [
        phaseRow(`under load, ${rotations} rotations`, samples, {
          failed: failures.length - sheds.length,
          lost: written.lost.length,
          recovery: `files ${ms(lagMs)} after each rotation`,
        }),
      ],
      verdicts: [
        noFailedRequests(outcome, sheds),
        fewOverloadRefusals(samples, sheds),
        noLostWrites(written),
        {
          name: 'no restart',
          ok: stayedUp,
          detail: stayedUp ? 'same 3 processes before and after' : 'a replica exited (see its log)',
        },
        {
          name: 'the replicas reconnected with the files, before and after they changed',
          ok: followed && records.length === rotations && startingCredentialRefused,
          detail: `${records
            .map(
              (r, i) =>
                `rotation ${i + 1}: ${r.terminatedBeforeFiles} sessions cut, back as ${r.usersBeforeFiles.join('+') || 'nobody'}; files changed, ${r.terminatedAfterFiles} cut, back as ${r.usersAfterFiles.join('+') || 'nobody'}`,
            )
            .join(
              '; ',
            )}; the credential they started with is ${startingCredentialRefused ? 'refused now' : 'still accepted (the rotation did not replace it)'}`,
        },
      ],
      notes: [...topDetails(failures), ...lostWriteNotes(written)],
    };
  },
};
