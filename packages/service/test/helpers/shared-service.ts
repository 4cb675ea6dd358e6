import type { TestFn } from 'ava';
import { startListeningService } from './service-process.js';

export type ListeningService = Awaited<ReturnType<typeof startListeningService>>;

/** One real service process for every test of a file (started before, killed after); returns its getter. */
export function serviceForFile(test: TestFn, env: Record<string, string> = {}): () => ListeningService {
  let service: ListeningService | undefined;
  test.before(async () => {
    service = await startListeningService(env);
  });
  test.after.always(() => service?.service.kill());
  return () => {
    if (service === undefined) throw new Error('the service did not start (see the before hook)');
    return service;
  };
}
