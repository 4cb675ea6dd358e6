import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { birthdayRulesFromArgs } from './birthday-rules.js';

/**
 * The PostgreSQL store's baseline: the same contract on bare node:http + node-postgres, a pool of 10 and
 * named (prepared once per connection) statements with the service's own SQL (packages/service
 * src/store/sql.ts), no timeouts, no error classification, no logging. service ÷ this = what the
 * service's store layer and framework cost per query.
 * Run as its own process: `PORT=<port> DATABASE_URL=<url> node --import tsx bare-pg-server.ts <dist/domain/birthday.js>`.
 */
const rules = await birthdayRulesFromArgs();
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

const UPSERT_USER = {
  name: 'users_upsert_v1',
  text: `INSERT INTO users (username, date_of_birth) VALUES ($1, $2::date)
ON CONFLICT (username) DO UPDATE SET date_of_birth = EXCLUDED.date_of_birth`,
};
const FIND_DATE_OF_BIRTH = {
  name: 'users_find_dob_v1',
  text: `SELECT to_char(date_of_birth, 'YYYY-MM-DD') AS date_of_birth FROM users WHERE username = $1`,
};

function problem(response: ServerResponse, status: number, detail: string): void {
  response.writeHead(status, { 'content-type': 'application/problem+json' });
  response.end(JSON.stringify({ type: 'about:blank', title: String(status), status, detail }));
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = request.url ?? '/';
  if (url === '/readyz' || url === '/livez') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"status":"ok"}');
    return;
  }
  if (!url.startsWith('/hello/')) return problem(response, 404, 'no such route');
  let raw: string;
  try {
    raw = decodeURIComponent(url.slice('/hello/'.length));
  } catch {
    return problem(response, 400, 'malformed username');
  }
  const username = rules.parseUsername(raw);
  if (!username.ok) return problem(response, 400, username.detail);
  const today = rules.utcDate(new Date());
  if (request.method === 'PUT') {
    if (!String(request.headers['content-type']).startsWith('application/json')) {
      return problem(response, 415, 'the request body must be JSON');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readBody(request));
    } catch {
      return problem(response, 400, 'the request body is not valid JSON');
    }
    const dateOfBirth = rules.parseDateOfBirth(
      (parsed as { dateOfBirth?: unknown } | null)?.dateOfBirth,
      today,
    );
    if (!dateOfBirth.ok) return problem(response, 400, dateOfBirth.detail);
    await pool.query({ ...UPSERT_USER, values: [username.value, dateOfBirth.value] });
    response.writeHead(204);
    response.end();
    return;
  }
  if (request.method !== 'GET') return problem(response, 405, 'method not allowed');
  const { rows } = await pool.query<{ date_of_birth: string }>({
    ...FIND_DATE_OF_BIRTH,
    values: [username.value],
  });
  const stored = rows[0]?.date_of_birth;
  if (stored === undefined) return problem(response, 404, 'unknown user');
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({ message: rules.greeting(username.value, rules.daysUntilBirthday(today, stored)) }),
  );
}

const server = createServer((request, response) => {
  handle(request, response).catch(() => problem(response, 503, 'database unavailable'));
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
