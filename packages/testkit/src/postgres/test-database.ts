import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { startPostgres } from './server.js';

/** Where a test file gets PostgreSQL from: `TEST_DATABASE_URL` (never `DATABASE_URL`) or a throwaway server. */
export interface TestPostgresServer {
  readonly url: string;
  readonly source: 'TEST_DATABASE_URL' | 'embedded';
  release(): Promise<void>;
}

/**
 * The PostgreSQL server a test file uses: `TEST_DATABASE_URL` when set, otherwise a throwaway local
 * one. Never `DATABASE_URL`: that may be a developer's real database. Rejects with the reason when
 * neither works, failing the test that asked: PostgreSQL tests never silently skip.
 */
export async function acquireTestPostgres(): Promise<TestPostgresServer> {
  const fromEnv = process.env.TEST_DATABASE_URL;
  if (fromEnv) return { url: fromEnv, source: 'TEST_DATABASE_URL', release: async () => {} };
  try {
    const server = await startPostgres();
    return { url: server.url, source: 'embedded', release: () => server.destroy() };
  } catch (error) {
    throw new Error(
      `these tests need PostgreSQL: TEST_DATABASE_URL is not set and a local server did not start: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

/** A new, empty database on a server, so test files never see each other's rows or schema. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  /** Drops the database (terminating leftover connections). */
  drop(): Promise<void>;
}

async function asAdmin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  // Loaded here, not at import: `pnpm dev` imports this package and never needs a client of its own.
  const { Client } = (await import('pg')).default;
  const client = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `hasrv_test_${randomBytes(6).toString('hex')}`;
  await asAdmin(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      asAdmin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(),
  };
}
