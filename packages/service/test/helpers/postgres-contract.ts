import { randomBytes } from 'node:crypto';
import type { TestFn } from 'ava';
import fc from 'fast-check';
import { StoreUnavailableError, type UserRepository } from '../../src/store/repository.js';

/**
 * The repository contract every store must meet (memory, PGlite, PostgreSQL: the name says postgres
 * only because of the file-ownership pattern). Registers serial tests on `test`, all sharing ONE
 * repository from `open` (a fresh PGlite takes seconds), with `close` last.
 */
export interface ContractOptions {
  /** Opens the store under test; called once. */
  readonly open: () => Promise<UserRepository>;
  /** Releases what `open` needed (temp dir, database) after the repository is closed. */
  readonly cleanUp?: () => Promise<void>;
  /** SQL stores reject with StoreUnavailableError after close; the memory map keeps working. */
  readonly rejectsAfterClose: boolean;
  /** fast-check runs for the round-trip property. */
  readonly propertyRuns?: number;
}

/** Usernames unique to this run, so the contract also passes against a database that has rows. */
const runId = randomBytes(4).toString('hex');
const uniqueName = (name: string) => `${name}-${runId}`;

export function repositoryContract(test: TestFn, options: ContractOptions): void {
  let repository: UserRepository | undefined;
  const repo = (): UserRepository => {
    if (!repository) throw new Error('the store under test did not open (see the before hook failure)');
    return repository;
  };

  test.before(async () => {
    repository = await options.open();
  });
  test.after.always(async () => {
    await repository?.close();
    await options.cleanUp?.();
  });

  test.serial('a saved date of birth is found again', async (t) => {
    await repo().save({ username: uniqueName('alice'), dateOfBirth: '1990-05-17' });
    t.is(await repo().findDateOfBirth(uniqueName('alice')), '1990-05-17');
  });

  test.serial('saving again replaces the date of birth', async (t) => {
    const username = uniqueName('bob');
    await repo().save({ username, dateOfBirth: '1980-01-02' });
    await repo().save({ username, dateOfBirth: '1981-03-04' });
    t.is(await repo().findDateOfBirth(username), '1981-03-04');
  });

  test.serial('an unknown user is undefined', async (t) => {
    t.is(await repo().findDateOfBirth(uniqueName('nobody')), undefined);
  });

  test.serial('usernames are case-sensitive', async (t) => {
    await repo().save({ username: uniqueName('Carol'), dateOfBirth: '1970-07-07' });
    await repo().save({ username: uniqueName('carol'), dateOfBirth: '1971-08-08' });
    t.is(await repo().findDateOfBirth(uniqueName('Carol')), '1970-07-07');
    t.is(await repo().findDateOfBirth(uniqueName('carol')), '1971-08-08');
    t.is(await repo().findDateOfBirth(uniqueName('CAROL')), undefined);
  });

  test.serial('Unicode usernames are stored exactly, without normalisation', async (t) => {
    const names = ['Zoë', 'Ŝtefan', '山田太郎', 'Ωμέγα', '🎂party', 'é-composed', 'e\u0301-decomposed'];
    for (const [index, name] of names.entries()) {
      await repo().save({ username: uniqueName(name), dateOfBirth: `2001-01-${String(index + 10)}` });
    }
    for (const [index, name] of names.entries()) {
      t.is(await repo().findDateOfBirth(uniqueName(name)), `2001-01-${String(index + 10)}`, name);
    }
    // NFC "é" and NFD "e + combining acute" look the same but are different users.
    t.is(await repo().findDateOfBirth(uniqueName('e\u0301-composed')), undefined);
  });

  test.serial('dates round-trip exactly, whatever the process time zone', async (t) => {
    const dates = [
      '2000-02-29',
      '2024-02-29',
      '1900-01-01',
      '1899-12-31',
      '1970-01-01',
      '2023-12-31',
      '0001-01-01',
    ];
    const originalTz = process.env.TZ;
    try {
      // A driver that goes through JS Date shifts the day east or west of UTC; try both extremes.
      for (const tz of ['UTC', 'America/Los_Angeles', 'Pacific/Kiritimati']) {
        process.env.TZ = tz;
        for (const date of dates) {
          const username = uniqueName(`dates-${tz}-${date}`);
          await repo().save({ username, dateOfBirth: date });
          t.is(await repo().findDateOfBirth(username), date, `${date} in ${tz}`);
        }
      }
    } finally {
      if (originalTz === undefined) delete process.env.TZ;
      else process.env.TZ = originalTz;
    }
  });

  test.serial('any username and date round-trip (property)', async (t) => {
    const usernames = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 40 })
      .filter((s) => !s.includes('\0'));
    const dates = fc
      .date({
        min: new Date('1900-01-01T00:00:00Z'),
        max: new Date('2100-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString().slice(0, 10));
    await fc.assert(
      fc.asyncProperty(usernames, dates, async (name, dateOfBirth) => {
        const username = uniqueName(`p:${name}`);
        await repo().save({ username, dateOfBirth });
        return (await repo().findDateOfBirth(username)) === dateOfBirth;
      }),
      { numRuns: options.propertyRuns ?? 100 },
    );
    t.pass();
  });

  test.serial('concurrent saves all land; racing saves of one user leave one of the values', async (t) => {
    const many = Array.from({ length: 50 }, (_, index) => ({
      username: uniqueName(`concurrent-${index}`),
      dateOfBirth: `19${String(50 + (index % 50)).padStart(2, '0')}-06-15`,
    }));
    await Promise.all(many.map((user) => repo().save(user)));
    const found = await Promise.all(many.map((user) => repo().findDateOfBirth(user.username)));
    t.deepEqual(
      found,
      many.map((user) => user.dateOfBirth),
    );

    const contested = uniqueName('contested');
    const candidates = Array.from(
      { length: 20 },
      (_, index) => `2010-01-${String(index + 1).padStart(2, '0')}`,
    );
    await Promise.all(candidates.map((dateOfBirth) => repo().save({ username: contested, dateOfBirth })));
    const winner = await repo().findDateOfBirth(contested);
    t.true(winner !== undefined && candidates.includes(winner), `got ${winner}`);
  });

  test.serial('ping resolves while the store is up', async (t) => {
    await t.notThrowsAsync(repo().ping());
  });

  test.serial('close resolves, and is harmless when repeated', async (t) => {
    const closing = repo();
    await t.notThrowsAsync(closing.close());
    await t.notThrowsAsync(closing.close());
    if (options.rejectsAfterClose) {
      await t.throwsAsync(closing.findDateOfBirth(uniqueName('alice')), {
        instanceOf: StoreUnavailableError,
      });
      await t.throwsAsync(closing.ping(), { instanceOf: StoreUnavailableError });
    }
  });
}
