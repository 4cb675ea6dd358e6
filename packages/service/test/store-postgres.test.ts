import {
  acquireTestPostgres,
  createTestDatabase,
  type TestDatabase,
  type TestPostgresServer,
} from '@high-available-server/testkit/postgres';
import test from 'ava';
import { pino } from 'pino';
import { openStore } from '../src/store/open-store.js';
import { repositoryContract } from './helpers/postgres-contract.js';

let server: TestPostgresServer | undefined;
let database: TestDatabase | undefined;

repositoryContract(test, {
  async open() {
    server = await acquireTestPostgres();
    database = await createTestDatabase(server.url);
    return openStore({ store: 'postgres', databaseUrl: database.url }, pino({ level: 'silent' }));
  },
  async cleanUp() {
    await database?.drop();
    await server?.release();
  },
  rejectsAfterClose: true,
});
