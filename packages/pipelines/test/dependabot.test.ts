import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import test from 'ava';
import { parse } from 'yaml';
import { loadRepository } from '../src/repository.js';

// Pins only stay safe if something proposes the updates: npm, the pinned actions and the
// Dockerfile base image are all covered.

const repo = loadRepository();

interface Update {
  'package-ecosystem': string;
  directory?: string;
  directories?: string[];
  schedule?: { interval?: string };
}

const config = parse(readFileSync(join(repo.root, '.github', 'dependabot.yml'), 'utf8')) as {
  version: number;
  updates: Update[];
};

function dirs(update: Update): string[] {
  return update.directories ?? (update.directory ? [update.directory] : []);
}

test('dependabot.yml is version 2 and every entry has a schedule', (t) => {
  t.is(config.version, 2);
  t.deepEqual(
    config.updates.filter((u) => !u.schedule?.interval).map((u) => u['package-ecosystem']),
    [],
  );
});

test('npm (workspace root), github-actions and the Dockerfile base image are updated', (t) => {
  const covered = config.updates.flatMap((u) => dirs(u).map((dir) => `${u['package-ecosystem']} ${dir}`));
  for (const expected of ['npm /', 'github-actions /', 'docker /packages/service']) {
    t.true(covered.includes(expected), `missing: ${expected}`);
  }
});

// Dependabot's `/` for github-actions reads .github/workflows only; the SHA pins inside a local
// action would freeze unless its directory is listed (dependabot-core#6704).
test('Dependabot updates the actions each local action uses (its directory is listed)', (t) => {
  const watched = new Set(
    config.updates.filter((u) => u['package-ecosystem'] === 'github-actions').flatMap((u) => dirs(u)),
  );
  t.true(repo.localActions.length > 0);
  t.deepEqual(
    repo.localActions.map((action) => `/${dirname(action.file)}`).filter((dir) => !watched.has(dir)),
    [],
  );
});

test('every directory Dependabot watches exists (the Dockerfile included)', (t) => {
  const missing = config.updates.flatMap((u) => dirs(u)).filter((dir) => !existsSync(join(repo.root, dir)));
  t.deepEqual(missing, []);
  t.true(existsSync(join(repo.root, 'packages', 'service', 'Dockerfile')), 'packages/service/Dockerfile');
});
