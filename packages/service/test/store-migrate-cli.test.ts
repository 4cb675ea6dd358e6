import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  acquireTestPostgres,
  createTestDatabase,
  type TestPostgresServer,
} from '@high-available-server/testkit/postgres';
import test from 'ava';
import pg from 'pg';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

let server: TestPostgresServer | undefined;

test.before(async () => {
  server = await acquireTestPostgres();
});
test.after.always(async () => {
  await server?.release();
});

interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `src/migrate.ts` like `node dist/migrate.js`, with ONLY the given variables (never the caller's DATABASE_URL). */
async function migrateCli(env: Record<string, string>): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import=tsx', 'src/migrate.ts'], {
      cwd: packageDir,
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 45_000,
    });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { exitCode: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const messages = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string });

test('migrate applies the schema, exits 0, and finds nothing to do the second time', async (t) => {
  if (!server) throw new Error('no PostgreSQL server');
  const database = await createTestDatabase(server.url);
  try {
    const first = await migrateCli({ STORE: 'postgres', DATABASE_URL: database.url });
    t.is(first.exitCode, 0, first.stderr + first.stdout);
    t.true(
      messages(first.stdout).some((line) => /^applied \d+ migration\(s\)$/.test(line.msg)),
      first.stdout,
    );

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const tables = await client.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'users'");
      t.is(tables.rowCount, 1, 'the users table exists');
    } finally {
      await client.end();
    }

    const second = await migrateCli({ STORE: 'postgres', DATABASE_URL: database.url });
    t.is(second.exitCode, 0, second.stderr + second.stdout);
    t.true(messages(second.stdout).some((line) => line.msg === 'schema already up to date'));
  } finally {
    await database.drop();
  }
});

test('migrate exits 1 with the reason when the database refuses the credentials', async (t) => {
  if (!server) throw new Error('no PostgreSQL server');
  const url = new URL(server.url);
  url.password = 'not-the-password';
  const result = await migrateCli({ STORE: 'postgres', DATABASE_URL: url.toString() });
  t.is(result.exitCode, 1);
  t.regex(result.stdout, /migration failed: password authentication failed/);
  t.notRegex(result.stdout + result.stderr, /not-the-password/, 'the password is not logged');
});

test('migrate exits 1 with a clear message when STORE=postgres has no DATABASE_URL', async (t) => {
  const result = await migrateCli({ STORE: 'postgres' });
  t.is(result.exitCode, 1);
  t.regex(result.stderr, /DATABASE_URL/);
});
