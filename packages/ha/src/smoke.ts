import { parseArgs } from 'node:util';
import { request } from 'undici';
import { cliArgs } from './cli-args.js';
import { acceptableGreetings, UserFactory } from './users.js';

/**
 * `pnpm --filter @high-available-server/ha smoke --url <base>`: /readyz is 200, a unique user PUT is
 * acknowledged and read back with the right greeting. Exit 1 on any failure.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    args: cliArgs(),
    options: { url: { type: 'string' }, timeout: { type: 'string', default: '10000' } },
  });
  if (!values.url) {
    console.error('usage: smoke --url <base URL> [--timeout <ms>]');
    return 2;
  }
  const base = values.url.replace(/\/$/, '');
  const timeoutMs = Number(values.timeout);
  const call = async (method: 'GET' | 'PUT', path: string, body?: unknown) => {
    const response = await request(`${base}${path}`, {
      method,
      signal: AbortSignal.timeout(timeoutMs),
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: response.statusCode, text: await response.body.text() };
  };
  const user = new UserFactory('smoke').next();
  const steps: { name: string; run: () => Promise<string | undefined> }[] = [
    {
      name: 'GET /readyz is 200',
      run: async () => {
        const { status, text } = await call('GET', '/readyz');
        return status === 200 ? undefined : `${status} ${text.slice(0, 200)}`;
      },
    },
    {
      name: `PUT /hello/${user.username} is 204`,
      run: async () => {
        const { status, text } = await call('PUT', `/hello/${user.username}`, {
          dateOfBirth: user.dateOfBirth,
        });
        return status === 204 ? undefined : `${status} ${text.slice(0, 200)}`;
      },
    },
    {
      name: `GET /hello/${user.username} greets with the stored birthday`,
      run: async () => {
        const { status, text } = await call('GET', `/hello/${user.username}`);
        const message = status === 200 ? (JSON.parse(text) as { message?: unknown }).message : undefined;
        const expected = acceptableGreetings(user, new Date());
        if (typeof message === 'string' && expected.includes(message)) return undefined;
        return `${status} ${text.slice(0, 200)} (expected "${expected[0]}")`;
      },
    },
  ];
  console.log(`smoke test of ${base}`);
  for (const step of steps) {
    const problem = await step
      .run()
      .catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
    console.log(`${problem === undefined ? 'PASS' : 'FAIL'}  ${step.name}${problem ? `: ${problem}` : ''}`);
    if (problem !== undefined) return 1;
  }
  return 0;
}

process.exitCode = await main();
