import { readFile } from 'node:fs/promises';
import test from 'ava';
import { projectPaths } from '../src/paths.js';

const dockerfile = async () => readFile(projectPaths().dockerfile, 'utf8');

test('the base image is a build argument defaulting to an exactly pinned Node 24 bookworm-slim tag', async (t) => {
  const text = await dockerfile();
  const match = /^ARG BASE_IMAGE=(\S+)$/m.exec(text);
  t.regex(match?.[1] ?? '', /^node:24\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$/);
  t.is([...text.matchAll(/^FROM \$\{BASE_IMAGE\} AS (\w+)$/gm)].length, 2);
});

test('the runtime stage runs node dist/main.js as uid 1000 on port 8080 in production mode', async (t) => {
  const runtime = (await dockerfile()).split(/^FROM .* AS runtime$/m)[1] ?? '';
  t.regex(runtime, /^USER 1000:1000$/m);
  t.regex(runtime, /^EXPOSE 8080$/m);
  t.regex(runtime, /^WORKDIR \/app$/m);
  t.regex(runtime, /^ENV NODE_ENV=production$/m);
  t.regex(runtime, /^CMD \["node", "dist\/main\.js"\]$/m);
  t.regex(runtime, /^COPY --from=build \/out\/ \.\/$/m);
});

test('pnpm is pinned to the workspace version and the deploy is production-only', async (t) => {
  const text = await dockerfile();
  t.regex(text, /^ARG PNPM_VERSION=12\.4\.2$/m);
  t.regex(text, /pnpm install --frozen-lockfile/);
  t.regex(text, /pnpm deploy --prod/);
});
