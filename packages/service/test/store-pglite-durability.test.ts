import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { openStore } from '../src/store/open-store.js';
import { captureLogger } from './helpers/postgres-logger.js';

test('what PGlite saved is there after closing and reopening the same directory', async (t) => {
  // Creating a fresh PGlite database is CPU-bound (~10 s idle) and slows a lot on a busy machine.
  t.timeout(120_000);
  const parentDir = await mkdtemp(join(tmpdir(), 'hasrv-store-pglite-durable-'));
  const config = { store: 'pglite' as const, databaseUrl: undefined, pgliteDir: join(parentDir, 'db') };
  try {
    const first = await openStore(config, captureLogger().logger);
    await first.save({ username: 'durable', dateOfBirth: '1996-02-29' });
    await first.close();

    const { logger, lines } = captureLogger();
    const second = await openStore(config, logger);
    try {
      t.is(await second.findDateOfBirth('durable'), '1996-02-29');
      t.false(
        lines.some((line) => line.msg === 'applying migration'),
        'reopening finds the schema up to date',
      );
    } finally {
      await second.close();
    }
  } finally {
    await rm(parentDir, { recursive: true, force: true });
  }
});
