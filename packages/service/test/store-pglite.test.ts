import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { pino } from 'pino';
import { openStore } from '../src/store/open-store.js';
import { repositoryContract } from './helpers/postgres-contract.js';

let parentDir: string | undefined;

repositoryContract(test, {
  async open() {
    parentDir = await mkdtemp(join(tmpdir(), 'hasrv-store-pglite-'));
    // A directory that does not exist yet: openStore creates it.
    const pgliteDir = join(parentDir, 'nested', 'pglite');
    return openStore({ store: 'pglite', databaseUrl: undefined, pgliteDir }, pino({ level: 'silent' }));
  },
  async cleanUp() {
    if (parentDir) await rm(parentDir, { recursive: true, force: true });
  },
  rejectsAfterClose: true,
  propertyRuns: 50,
});
