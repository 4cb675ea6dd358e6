export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  seconds: number;
}

/** Prints one PASS/FAIL line per check as it finishes, and the closing `N passed, N failed` line. */
export class Report {
  readonly results: CheckResult[] = [];

  constructor(private readonly print: (line: string) => void) {}

  /** Runs `body`; a thrown error is this check's failure, with its message as the reason. */
  async check(name: string, body: () => Promise<string | undefined>) {
    const started = Date.now();
    let result: CheckResult;
    try {
      const detail = (await body()) ?? '';
      result = { name, ok: true, detail, seconds: (Date.now() - started) / 1000 };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      result = { name, ok: false, detail, seconds: (Date.now() - started) / 1000 };
    }
    this.results.push(result);
    const suffix = result.detail ? `: ${result.detail.replace(/\n/g, '\n    ')}` : '';
    this.print(`${result.ok ? 'PASS' : 'FAIL'} ${name} (${result.seconds.toFixed(1)} s)${suffix}`);
    return result.ok;
  }

  /** A check that could not run because an earlier step failed still counts, as a failure. */
  skipped(name: string, because: string) {
    this.results.push({ name, ok: false, detail: `not run: ${because}`, seconds: 0 });
    this.print(`FAIL ${name}: not run: ${because}`);
  }

  get failed() {
    return this.results.filter((result) => !result.ok).length;
  }

  summary() {
    const passed = this.results.length - this.failed;
    return `${passed} passed, ${this.failed} failed`;
  }
}
