/**
 * Undo steps registered as resources are created, run newest first. Every step runs even when
 * an earlier one fails, so one stuck container does not leave a database behind.
 */
export class Cleanup {
  readonly #steps: { name: string; run: () => Promise<void> }[] = [];
  #ran = false;

  constructor(private readonly log: (line: string) => void) {}

  add(name: string, run: () => Promise<void>) {
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

  /** On SIGINT/SIGTERM/SIGHUP: clean up, then exit with the signal's conventional code. */
  installSignalHandlers() {
    const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
    for (const [signal, code] of Object.entries(codes)) {
      process.once(signal, () => {
        this.log(`${signal}: cleaning up`);
        void this.runAll().finally(() => process.exit(code));
      });
    }
  }
}
