/**
 * CPU per query of the PostgreSQL store's Node side against the floor: node-postgres alone (a Pool of
 * 10, the same named statements and SQL). Both run in this process against one local PostgreSQL 17,
 * in interleaved rounds, `concurrency` calls in flight; reports the process's CPU microseconds per call
 * (process.cpuUsage: the database's own CPU is not counted, so the figure is what our code adds).
 *
 *   pnpm exec node --import tsx scripts/store-cost.ts [calls per round=20000] [rounds=3] [variant]
 *
 * With a variant ('bare pg GET', 'store GET', 'bare pg PUT', 'store PUT') only that one runs, which
 * suits an instruction count: run under `valgrind --tool=callgrind` with N and 2N calls and divide
 * the difference by N (start-up cancels out).
 */
import { startPostgres } from '@high-available-server/testkit/postgres';
import pg from 'pg';
import { pino } from 'pino';
import { openStore } from '../src/store/open-store.js';

const calls = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
const only = process.argv[4];
const concurrency = 10;

const server = await startPostgres();
const logger = pino({ level: 'silent' });
const repository = await openStore({ store: 'postgres', databaseUrl: server.url }, logger);
const bare = new pg.Pool({ connectionString: server.url, max: 10 });
bare.on('error', () => undefined); // idle connections end with the server at exit
// The same, with the store's client-side query timeout (a timer per query): its share of the difference.
const bareWithTimeout = new pg.Pool({ connectionString: server.url, max: 10, query_timeout: 2500 });
bareWithTimeout.on('error', () => undefined);
const FIND = {
  name: 'bare_find',
  text: `SELECT to_char(date_of_birth, 'YYYY-MM-DD') AS date_of_birth FROM users WHERE username = $1`,
};
const UPSERT = {
  name: 'bare_upsert',
  text: `INSERT INTO users (username, date_of_birth) VALUES ($1, $2::date)
ON CONFLICT (username) DO UPDATE SET date_of_birth = EXCLUDED.date_of_birth`,
};

const users = Array.from({ length: 100 }, (_, index) => `user${index}`);
for (const username of users) await repository.save({ username, dateOfBirth: '1990-01-01' });

type Call = (index: number) => Promise<unknown>;
const variants: Record<string, Call> = {
  'bare pg GET': (i) => bare.query({ ...FIND, values: [users[i % 100]] }).then((r) => r.rows[0]),
  'bare pg GET + query_timeout': (i) =>
    bareWithTimeout.query({ ...FIND, values: [users[i % 100]] }).then((r) => r.rows[0]),
  'store GET': (i) => repository.findDateOfBirth(users[i % 100] as string),
  'bare pg PUT': (i) => bare.query({ ...UPSERT, values: [users[i % 100], '1991-02-03'] }),
  'store PUT': (i) => repository.save({ username: users[i % 100] as string, dateOfBirth: '1991-02-03' }),
};

async function run(call: Call): Promise<number> {
  let next = 0;
  const started = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) await call(next++);
    }),
  );
  const used = process.cpuUsage(started);
  return (used.user + used.system) / calls;
}

const chosen = Object.entries(variants).filter(([name]) => only === undefined || name === only);
if (chosen.length === 0)
  throw new Error(`no variant ${only}; choose one of ${Object.keys(variants).join(', ')}`);
const results: Record<string, number[]> = {};
if (only === undefined) for (const [, call] of chosen) await run(call); // warm-up: JIT, prepared statements
for (let round = 0; round < rounds; round++) {
  for (const [name, call] of chosen) {
    const perCall = await run(call);
    results[name] = [...(results[name] ?? []), perCall];
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
for (const [name, values] of Object.entries(results)) {
  console.log(
    `${name.padEnd(28)} ${median(values).toFixed(1)} µs CPU per call (rounds: ${values.map((v) => v.toFixed(1)).join(', ')})`,
  );
}
for (const verb of only === undefined ? ['GET', 'PUT'] : []) {
  const ratio = median(results[`bare pg ${verb}`] ?? []) / median(results[`store ${verb}`] ?? []);
  console.log(`${verb}: store costs ${(1 / ratio).toFixed(2)}× node-postgres alone (Node side)`);
}
await repository.close();
await bare.end();
await bareWithTimeout.end();
await server.destroy();
