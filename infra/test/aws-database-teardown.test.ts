import test from 'ava';
import { ofType, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

// The documented teardown switches deletion protection off first: prod's backups must survive it.
const unprotectedProd = await stackRun('prod', { 'high-available-server:deletionProtection': 'false' });
const db = single(unprotectedProd, 'aws:rds/instance:Instance').inputs;

test('prod without deletion protection still takes a final snapshot and keeps its automated backups', (t) => {
  t.false(db.deletionProtection);
  t.false(db.skipFinalSnapshot);
  t.false(db.deleteAutomatedBackups);
  t.regex(db.finalSnapshotIdentifier, /^hello-prod-db-final-[0-9a-f]{8}$/);
});

test('the snapshot suffix is drawn once per database instance, so a second teardown finds a free name', (t) => {
  const suffix = single(unprotectedProd, 'random:index/randomId:RandomId');
  t.is(suffix.parent, 'high-available-server:aws:Database::hello-prod');
  // Replaced (a new suffix) only when the instance identifier changes, i.e. with a new database.
  t.deepEqual(suffix.inputs.keepers, { identifier: 'hello-prod-db' });
  t.is(ofType(unprotectedProd, 'aws:rds/instance:Instance').length, 1);
});
