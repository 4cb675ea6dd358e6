/** The service's pure rules, loaded from its build (the same code the service runs). */
export interface BirthdayRules {
  parseUsername(raw: string): { ok: true; value: string } | { ok: false; detail: string };
  parseDateOfBirth(raw: unknown, today: string): { ok: true; value: string } | { ok: false; detail: string };
  daysUntilBirthday(today: string, dateOfBirth: string): number;
  greeting(username: string, days: number): string;
  utcDate(now: Date): string;
}

/** The rules from the build file named by the reference server's first argument (dist/domain/birthday.js). */
export async function birthdayRulesFromArgs(): Promise<BirthdayRules> {
  const [rulesPath] = process.argv.slice(2);
  if (rulesPath === undefined) throw new Error('usage: <server>.ts <path to dist/domain/birthday.js>');
  return (await import(rulesPath)) as BirthdayRules;
}
