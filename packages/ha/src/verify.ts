import type { Agent } from 'undici';
import { request } from 'undici';
import type { AcknowledgedWrites } from './acknowledged-writes.js';
import type { BirthdayRules } from './service-build.js';

export interface WriteCheck {
  readonly checked: number;
  /** Acknowledged users the service no longer returns, with what it answered instead. */
  readonly lost: readonly { username: string; answer: string }[];
}

async function readBack(
  baseUrl: string,
  dispatcher: Agent,
  rules: BirthdayRules,
  username: string,
  dateOfBirth: string,
): Promise<string | undefined> {
  let answer = '';
  // Transient refusals (503, no answer) are retried: only a definite wrong answer means a lost write.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const response = await request(`${baseUrl}/hello/${encodeURIComponent(username)}`, {
        dispatcher,
        signal: AbortSignal.timeout(5000),
      });
      const body = await response.body.text();
      const expected = rules.greeting(
        username,
        rules.daysUntilBirthday(rules.utcDate(new Date()), dateOfBirth),
      );
      if (response.statusCode === 200 && (JSON.parse(body) as { message?: unknown }).message === expected) {
        return undefined;
      }
      answer = `${response.statusCode} ${body.slice(0, 120)}`;
      if (response.statusCode < 500) return answer;
    } catch (error) {
      answer = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return answer;
}

/** Reads every acknowledged write back through `baseUrl` (a few at a time) and lists the missing ones. */
export async function verifyAcknowledgedWrites(options: {
  baseUrl: string;
  dispatcher: Agent;
  rules: BirthdayRules;
  acknowledged: AcknowledgedWrites;
  concurrency?: number;
}): Promise<WriteCheck> {
  const pending = options.acknowledged.entries();
  const lost: { username: string; answer: string }[] = [];
  const worker = async () => {
    for (let next = pending.pop(); next; next = pending.pop()) {
      const [username, dateOfBirth] = next;
      const answer = await readBack(
        options.baseUrl,
        options.dispatcher,
        options.rules,
        username,
        dateOfBirth,
      );
      if (answer !== undefined) lost.push({ username, answer });
    }
  };
  const checked = pending.length;
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  return { checked, lost };
}
