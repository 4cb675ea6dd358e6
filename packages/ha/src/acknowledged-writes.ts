/** PUTs the service acknowledged with 204: username → dateOfBirth. Read back later to count lost writes. */
export class AcknowledgedWrites {
  readonly #byUsername = new Map<string, string>();
  readonly #usernames: string[] = [];

  add(username: string, dateOfBirth: string): void {
    if (!this.#byUsername.has(username)) this.#usernames.push(username);
    this.#byUsername.set(username, dateOfBirth);
  }

  get size(): number {
    return this.#usernames.length;
  }

  /** A uniformly chosen acknowledged user, or undefined when there is none yet. */
  pick(random: () => number): { username: string; dateOfBirth: string } | undefined {
    const username = this.#usernames[Math.floor(random() * this.#usernames.length)];
    if (username === undefined) return undefined;
    return { username, dateOfBirth: this.#byUsername.get(username) as string };
  }

  entries(): [string, string][] {
    return [...this.#byUsername.entries()];
  }
}
