import type { TestUser } from './users.js';

/** PUTs the service acknowledged with 204. Read back later to count lost writes. */
export class AcknowledgedWrites {
  readonly #users: TestUser[] = [];

  add(user: TestUser): void {
    this.#users.push(user);
  }

  get size(): number {
    return this.#users.length;
  }

  /** A uniformly chosen acknowledged user, or undefined when there is none yet. */
  pick(random: () => number): TestUser | undefined {
    return this.#users[Math.floor(random() * this.#users.length)];
  }

  all(): TestUser[] {
    return [...this.#users];
  }
}
