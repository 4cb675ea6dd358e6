import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { birthdayRulesFromArgs } from './birthday-rules.js';

/**
 * The benchmark's baseline: the same contract (routing, validation, day count, problem+json, in-memory
 * store) on bare node:http, no framework, no middleware, no logging. service ÷ this = framework cost.
 * Run as its own process: `PORT=<port> node --import tsx bare-server.ts <path to dist/domain/birthday.js>`.
 */
const rules = await birthdayRulesFromArgs();
const birthdays = new Map<string, string>();

function problem(response: ServerResponse, status: number, detail: string): void {
  response.writeHead(status, { 'content-type': 'application/problem+json' });
  response.end(JSON.stringify({ type: 'about:blank', title: String(status), status, detail }));
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

const server = createServer(async (request, response) => {
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
    birthdays.set(username.value, dateOfBirth.value);
    response.writeHead(204);
    response.end();
    return;
  }
  if (request.method !== 'GET') return problem(response, 405, 'method not allowed');
  const stored = birthdays.get(username.value);
  if (stored === undefined) return problem(response, 404, 'unknown user');
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({ message: rules.greeting(username.value, rules.daysUntilBirthday(today, stored)) }),
  );
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
