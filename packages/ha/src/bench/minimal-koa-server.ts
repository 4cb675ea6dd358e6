import Router from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { birthdayRulesFromArgs } from './birthday-rules.js';

/**
 * The benchmark's second reference: the same contract on a minimal Koa + @koa/router + koa-bodyparser
 * app, no logging, no metrics, no request ids or security headers. Between bare node:http and the
 * service, it shows what Koa itself costs and what the service's observability and hardening add.
 * Run as its own process: `PORT=<port> node --import tsx minimal-koa-server.ts <path to dist/domain/birthday.js>`.
 */
const rules = await birthdayRulesFromArgs();
const birthdays = new Map<string, string>();

function problem(ctx: Koa.Context, status: number, detail: string): void {
  ctx.status = status;
  ctx.type = 'application/problem+json';
  ctx.body = JSON.stringify({ type: 'about:blank', title: String(status), status, detail });
}

const router = new Router();
router.get(['/readyz', '/livez'], (ctx) => {
  ctx.body = { status: 'ok' };
});
router.get('/hello/:username', (ctx) => {
  const username = rules.parseUsername(ctx.params.username ?? '');
  if (!username.ok) return problem(ctx, 400, username.detail);
  const stored = birthdays.get(username.value);
  if (stored === undefined) return problem(ctx, 404, 'unknown user');
  const today = rules.utcDate(new Date());
  ctx.body = { message: rules.greeting(username.value, rules.daysUntilBirthday(today, stored)) };
});
router.put('/hello/:username', bodyParser({ enableTypes: ['json'] }), (ctx) => {
  const username = rules.parseUsername(ctx.params.username ?? '');
  if (!username.ok) return problem(ctx, 400, username.detail);
  const body = ctx.request.body as { dateOfBirth?: unknown } | undefined;
  const dateOfBirth = rules.parseDateOfBirth(body?.dateOfBirth, rules.utcDate(new Date()));
  if (!dateOfBirth.ok) return problem(ctx, 400, dateOfBirth.detail);
  birthdays.set(username.value, dateOfBirth.value);
  ctx.status = 204;
});

const app = new Koa();
app.use(router.routes()).use(router.allowedMethods());
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
