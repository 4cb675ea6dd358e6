import { daysUntilBirthday, greeting, parseDateOfBirth, parseUsername } from '../domain/birthday.js';
import type { Clock } from '../domain/clock.js';
import { createTodayFromClock } from '../domain/today.js';
import type { UserRepository } from '../store/repository.js';
import type { AppContext, Handler } from './context.js';
import { readJsonBody } from './json-body.js';
import { HttpProblem } from './problem.js';
import { lastPathSegment } from './routes.js';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface HelloDependencies {
  repository: UserRepository;
  clock: Clock;
}

/** `GET` and `PUT /hello/:username`. */
export function helloHandlers({ repository, clock }: HelloDependencies): { get: Handler; put: Handler } {
  const today = createTodayFromClock(clock);
  return {
    async get(ctx) {
      const username = usernameOf(ctx);
      const dateOfBirth = await repository.findDateOfBirth(username);
      if (dateOfBirth === undefined) throw new HttpProblem(404, `no user named ${username}`);
      const days = daysUntilBirthday(today(), dateOfBirth);
      // Pre-serialised with a fixed Content-Type: skips Koa's media-type lookup and a second length pass.
      ctx.set('Content-Type', JSON_CONTENT_TYPE);
      ctx.body = JSON.stringify({ message: greeting(username, days) });
    },

    async put(ctx) {
      const username = usernameOf(ctx);
      const body = await readJsonBody(ctx);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new HttpProblem(400, 'the request body must be a JSON object with a dateOfBirth field');
      }
      const dateOfBirth = parseDateOfBirth((body as { dateOfBirth?: unknown }).dateOfBirth, today());
      if (!dateOfBirth.ok) throw new HttpProblem(400, dateOfBirth.detail);
      await repository.save({ username, dateOfBirth: dateOfBirth.value });
      ctx.status = 204;
    },
  };
}

function usernameOf(ctx: AppContext): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(lastPathSegment(ctx.path));
  } catch {
    throw new HttpProblem(400, 'username is not valid percent-encoded UTF-8');
  }
  const username = parseUsername(decoded);
  if (!username.ok) throw new HttpProblem(400, username.detail);
  return username.value;
}
