import type { Agent } from 'undici';
import { request } from 'undici';
import type { AcknowledgedWrites } from './acknowledged-writes.js';
import { acceptableGreetings, type TestUser } from './users.js';

export interface WriteCheck {
  readonly checked: number;
  /** Acknowledged users the service no longer returns, with what it answered instead. */
  readonly lost: readonly { username: string; answer: string }[];
}

async function readBack(baseUrl: string, dispatcher: Agent, user: TestUser): Promise<string | undefined> {
  let answer = '';
  // Transient refusals (503, no answer) are retried: only a definite wrong answer means a lost write.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const response = await request(`${baseUrl}/hello/${encodeURIComponent(user.username)}`, {
        dispatcher,
        signal: AbortSignal.timeout(5000),
      });
      const body = await response.body.text();
      if (response.statusCode === 200) {
        const message = (JSON.parse(body) as { message?: unknown }).message;
        if (typeof message === 'string' && acceptableGreetings(user, new Date()).includes(message))
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
  acknowledged: AcknowledgedWrites;
  concurrency?: number;
}): Promise<WriteCheck> {
  const pending = options.acknowledged.all();
  const lost: { username: string; answer: string }[] = [];
  const worker = async () => {
    for (let user = pending.pop(); user; user = pending.pop()) {
      const answer = await readBack(options.baseUrl, options.dispatcher, user);
      if (answer !== undefined) lost.push({ username: user.username, answer });
    }
  };
  const checked = pending.length;
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  return { checked, lost };
}
