import test from 'ava';
import { loadRepository } from '../src/repository.js';
import { allJobs } from '../src/workflows.js';

const repo = loadRepository();

test('every job has a timeout of at most an hour (a hung step must not hold a runner for 6 h)', (t) => {
  const missing = allJobs(repo.workflows)
    .filter(({ job }) => typeof job['timeout-minutes'] !== 'number' || job['timeout-minutes'] > 60)
    .map(({ file, id }) => `${file.name} › ${id}`);
  t.deepEqual(missing, []);
});
