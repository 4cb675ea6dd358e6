import test from 'ava';
import { StoreUnavailableError } from '../src/store/repository.js';
import {
  isAuthenticationFailure,
  isConnectionLost,
  isStoreUnavailable,
  rethrowClassified,
} from '../src/store/unavailable.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

const unavailable: Array<[string, Error]> = [
  ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
  ['connection reset', withCode('read ECONNRESET', 'ECONNRESET')],
  ['DNS lookup failed', withCode('getaddrinfo ENOTFOUND db', 'ENOTFOUND')],
  ['refused on every address', new AggregateError([withCode('x', 'ECONNREFUSED')], 'connect failed')],
  ['SQLSTATE class 08', withCode('connection failure', '08006')],
  ['server shutting down (57P01)', withCode('terminating connection due to administrator command', '57P01')],
  ['server starting (57P03)', withCode('the database system is starting up', '57P03')],
  ['statement timeout (57014)', withCode('canceling statement due to statement timeout', '57014')],
  ['too many connections (53300)', withCode('sorry, too many clients already', '53300')],
  ['read-only after failover (25006)', withCode('cannot execute INSERT in a read-only transaction', '25006')],
  ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
  [
    'client connect timeout',
    new Error('Connection terminated due to connection timeout', { cause: new Error('x') }),
  ],
  ['query timeout', new Error('Query read timeout')],
  ['connection lost', new Error('Connection terminated unexpectedly')],
  ['pool ended', new Error('Cannot use a pool after calling end on the pool')],
  ['wrapped cause', new Error('outer', { cause: withCode('x', 'ETIMEDOUT') })],
];

const other: Array<[string, unknown]> = [
  ['syntax error', withCode('syntax error at or near "SELEC"', '42601')],
  ['bad date', withCode('date/time field value out of range', '22008')],
  ['NUL in text', withCode('invalid byte sequence for encoding "UTF8": 0x00', '22021')],
  ['wrong password', withCode('password authentication failed for user "app"', '28P01')],
  ['unknown database', withCode('database "nope" does not exist', '3D000')],
  ['plain bug', new TypeError('Cannot read properties of undefined')],
  ['not an Error', 'ECONNREFUSED'],
];

for (const [name, error] of unavailable) {
  test(`unavailable: ${name}`, (t) => {
    t.true(isStoreUnavailable(error));
    const thrown = t.throws(() => rethrowClassified(error), { instanceOf: StoreUnavailableError });
    t.is(thrown?.cause, error, 'the original error is kept as cause');
  });
}

for (const [name, error] of other) {
  test(`propagated as-is: ${name}`, (t) => {
    t.false(isStoreUnavailable(error));
    const thrown = t.throws(() => rethrowClassified(error), { any: true });
    t.is(thrown, error);
  });
}

/** The statement's connection died unanswered: one more try on a fresh connection. */
const connectionLost: Array<[string, Error]> = [
  ['connection lost (no SQLSTATE)', new Error('Connection terminated unexpectedly')],
  [
    'terminated by an administrator (57P01)',
    withCode('terminating connection due to administrator command', '57P01'),
  ],
  [
    'crash shutdown (57P02)',
    withCode('terminating connection because of crash of another server process', '57P02'),
  ],
  ['cannot connect now (57P03)', withCode('the database system is shutting down', '57P03')],
  ['class 08', withCode('connection failure', '08006')],
  ['reset under a statement', withCode('read ECONNRESET', 'ECONNRESET')],
];

/** Everything else is answered as it is: no second try. */
const notRetried: Array<[string, unknown]> = [
  ['statement timeout (57014)', withCode('canceling statement due to statement timeout', '57014')],
  ['client query timeout', new Error('Query read timeout')],
  ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
  ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
  ['too many connections (53300)', withCode('sorry, too many clients already', '53300')],
  ['unique violation', withCode('duplicate key value', '23505')],
  ['syntax error', withCode('syntax error', '42601')],
  ['not an Error', 'Connection terminated unexpectedly'],
];

for (const [name, error] of connectionLost) {
  test(`retried once on a fresh connection: ${name}`, (t) => {
    t.true(isConnectionLost(error));
  });
}

for (const [name, error] of notRetried) {
  test(`not retried: ${name}`, (t) => {
    t.false(isConnectionLost(error));
  });
}

test('only 28P01 is a refused credential (re-read the files and retry once)', (t) => {
  t.true(isAuthenticationFailure(withCode('password authentication failed for user "app"', '28P01')));
  t.false(isAuthenticationFailure(withCode('permission denied for table users', '42501')));
  t.false(isAuthenticationFailure(new Error('password authentication failed')));
});
