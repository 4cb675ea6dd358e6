/**
 * Undo steps registered as resources are created, run newest first. Every step runs even when
 * an earlier one fails, so one stuck container does not leave a database behind.
 */
export class Cleanup {
  readonly #steps: { name: string; run: () => Promise<void> }[] = [];
  #ran = false;

  constructor(private readonly log: (line: string) => void) {}

  /** Registers an undo step; once cleanup has run (a signal), undoes the new resource at once. */
  add(name: string, run: () => Promise<void>) {
    if (this.#ran) {
      void run().catch((error: Error) => this.log(`cleanup of ${name} failed: ${error.message}`));
      return;
    }
    this.#steps.push({ name, run });
  }

  async runAll() {
    if (this.#ran) return;
    this.#ran = true;
    for (const step of this.#steps.reverse()) {
      try {
        await step.run();
      } catch (error) {
        this.log(`cleanup of ${step.name} failed: ${(error as Error).message}`);
      }
    }
  }

  /**
   * On SIGINT/SIGTERM/SIGHUP: stop the commands in flight first (`beforeCleanup`), so none of
   * them creates something after the undo steps ran, then clean up and exit with the signal's
   * conventional code.
   */
  installSignalHandlers(beforeCleanup: () => Promise<void>) {
    const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
    for (const [signal, code] of Object.entries(codes)) {
      process.once(signal, () => {
        this.log(`${signal}: stopping commands in flight, cleaning up`);
        void beforeCleanup()
          .catch(() => {})
          .then(() => this.runAll())
          .finally(() => process.exit(code));
      });
    }
  }
}
