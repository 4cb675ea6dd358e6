import type { UserRecord, UserRepository } from './repository.js';

/** The seed's map: fast, not shared between replicas, gone on restart. For tests and database-free installs. */
export function createMemoryRepository(): UserRepository {
  const dateOfBirthByUsername = new Map<string, string>();
  return {
    async save(user: UserRecord) {
      dateOfBirthByUsername.set(user.username, user.dateOfBirth);
    },
    async findDateOfBirth(username: string) {
      return dateOfBirthByUsername.get(username);
    },
    async ping() {},
    async close() {
      dateOfBirthByUsername.clear();
    },
  };
}
