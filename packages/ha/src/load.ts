import { parseArgs } from 'node:util';
import { AcknowledgedWrites } from './acknowledged-writes.js';
import { cliArgs } from './cli-args.js';
import { loadDispatcher, runLoad, type Sample } from './load-generator.js';
import { table } from './report.js';
import { summarize, topDetails } from './stats.js';
import { UserFactory } from './users.js';
import { verifyAcknowledgedWrites } from './verify.js';

const usage =
  'usage: load --url <base URL> --rps <n> --duration <seconds> [--write-ratio 0.5] [--timeout <ms>] [--no-verify]';

/**
 * `pnpm --filter @high-available-server/ha load --url <base> --rps <n> --duration <s>`: the drill's
 * open-loop generator against any deployment. Any failed request (503 included) or lost write: exit 1.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    args: cliArgs(),
    options: {
      url: { type: 'string' },
      rps: { type: 'string' },
      duration: { type: 'string' },
      'write-ratio': { type: 'string', default: '0.5' },
      timeout: { type: 'string', default: '5000' },
      'no-verify': { type: 'boolean', default: false },
    },
  });
  const rps = Number(values.rps);
  const durationS = Number(values.duration);
  if (!values.url || !(rps > 0) || !(durationS > 0)) {
    console.error(usage);
    return 2;
  }
  const baseUrl = values.url.replace(/\/$/, '');
  const dispatcher = loadDispatcher();
  const acknowledged = new AcknowledgedWrites();
  let window: Sample[] = [];
  const progress = setInterval(() => {
    const summary = summarize(window);
    console.log(
      `${new Date().toISOString()} last 10 s: ${summary.requests} answers, ${summary.failed + summary.unavailable} failed, p99 ${summary.p99Ms.toFixed(1)} ms`,
    );
    window = [];
  }, 10_000);
  console.log(`open-loop load on ${baseUrl}: ${rps} req/s for ${durationS} s (timeout ${values.timeout} ms)`);
  const samples = await runLoad({
    baseUrl,
    rps,
    durationMs: durationS * 1000,
    writeRatio: Number(values['write-ratio']),
    timeoutMs: Number(values.timeout),
    users: new UserFactory('load'),
    acknowledged,
    dispatcher,
    onSample: (sample) => window.push(sample),
  }).finished;
  clearInterval(progress);
  const written = values['no-verify']
    ? undefined
    : await verifyAcknowledgedWrites({ baseUrl, dispatcher, acknowledged });
  await dispatcher.close();
  const summary = summarize(samples);
  const failures = samples.filter((s) => s.outcome !== 'ok');
  console.log(
    table([
      {
        requests: summary.requests,
        rps: summary.rps,
        failed: failures.length,
        refused: summary.unavailable,
        lost: written ? written.lost.length : 'not checked',
        'p50 ms': summary.p50Ms,
        'p99 ms': summary.p99Ms,
        'max ms': summary.maxMs,
      },
    ]),
  );
  for (const line of topDetails(failures)) console.log(`  ${line}`);
  for (const lost of written?.lost.slice(0, 5) ?? []) console.log(`  lost ${lost.username}: ${lost.answer}`);
  const ok = failures.length === 0 && (written?.lost.length ?? 0) === 0;
  console.log(ok ? 'PASS: no failed request, no lost write' : 'FAIL');
  return ok ? 0 : 1;
}

process.exitCode = await main();
