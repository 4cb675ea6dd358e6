import { tail } from '@high-available-server/testkit/process';
import { assertJsonLogLines, type HardenedContainer, hardenedRunArgs } from '../container.js';
import type { Engine } from '../engine.js';

/**
 * The migrate command (`node dist/migrate.js`) in the image, hardened like the chart's Job:
 * it must exit 0 and say so in its JSON log. Returns its last log message.
 */
export async function runMigrate(engine: Engine, container: HardenedContainer, timeoutMs: number) {
  const result = await engine.run(['run', '--rm', ...hardenedRunArgs(engine.kind, container)], { timeoutMs });
  if (result.timedOut) {
    await engine.run(['rm', '-f', '-t', '0', container.name], { timeoutMs: 60_000 });
    throw new Error(`migrate did not finish within ${timeoutMs / 1000} s`);
  }
  if (result.code !== 0) {
    throw new Error(`migrate exited ${result.code}:\n${tail(`${result.stdout}\n${result.stderr}`, 20)}`);
  }
  const lines = assertJsonLogLines(result.stdout.split('\n').filter((line) => line.trim() !== ''));
  return String(lines.at(-1)?.msg ?? '');
}
