import { daysUntilBirthday, greeting, parseDateOfBirth, parseUsername } from '../domain/birthday.js';
import type { Clock } from '../domain/clock.js';
import { createTodayFromClock } from '../domain/today.js';
import type { UserRepository } from '../store/repository.js';
import type { AppContext } from './context.js';
import { readJsonBody } from './json-body.js';
import { HttpProblem } from './problem.js';
import type { RouteDeclaration } from './routes.js';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface HelloDependencies {
  repository: UserRepository;
  clock: Clock;
}

/**
 * `:username`, already percent-decoded by @koa/router (which leaves a segment it cannot decode as it is: a
 * `%` is no letter, so that is a 400 too), validated and NFC-normalised. Checked before any body is read.
 */
function checkUsername(ctx: AppContext): void {
  const username = parseUsername((ctx as AppContext & { params: { username: string } }).params.username);
  if (!username.ok) throw new HttpProblem(400, username.detail);
  ctx.state.username = username.value;
}

function usernameOf(ctx: AppContext): string {
  const { username } = ctx.state;
  if (username === undefined) throw new Error('the :username check did not run');
  return username;
}

/** `GET` and `PUT /hello/:username`. */
export function helloRoute({ repository, clock }: HelloDependencies): RouteDeclaration {
  const today = createTodayFromClock(clock);
  return {
    path: '/hello/:username',
    overloadExempt: false,
    methods: {
      GET: {
        checkRequest: checkUsername,
        async handle(ctx) {
          const username = usernameOf(ctx);
          const dateOfBirth = await repository.findDateOfBirth(username);
          if (dateOfBirth === undefined) throw new HttpProblem(404, `no user named ${username}`);
          const days = daysUntilBirthday(today(), dateOfBirth);
          // Pre-serialised with a fixed Content-Type: skips Koa's media-type lookup and a second length pass.
          ctx.set('Content-Type', JSON_CONTENT_TYPE);
          ctx.body = JSON.stringify({ message: greeting(username, days) });
        },
      },
      PUT: {
        checkRequest: checkUsername,
        readBody: readJsonBody,
        async handle(ctx) {
          const username = usernameOf(ctx);
          const body = ctx.request.body;
          if (typeof body !== 'object' || body === null || Array.isArray(body)) {
            throw new HttpProblem(400, 'the request body must be a JSON object with a dateOfBirth field');
          }
          const dateOfBirth = parseDateOfBirth((body as { dateOfBirth?: unknown }).dateOfBirth, today());
          if (!dateOfBirth.ok) throw new HttpProblem(400, dateOfBirth.detail);
          await repository.save({ username, dateOfBirth: dateOfBirth.value });
          ctx.status = 204;
        },
      },
    },
  };
}
