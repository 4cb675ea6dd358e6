/**
 * Writes the chart's generated files from slo.yaml: the PrometheusRule template and the Grafana dashboard.
 * `pnpm --filter @high-available-server/observability generate`; a test fails while they are stale.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { chartFiles, prometheusRuleTemplate } from './chart-files.js';
import { dashboardJson } from './dashboard.js';
import { loadSlos } from './slo.js';

const slos = loadSlos();
await writeFile(chartFiles.prometheusRule, prometheusRuleTemplate(slos));
await mkdir(path.dirname(chartFiles.dashboard), { recursive: true });
await writeFile(chartFiles.dashboard, dashboardJson(slos));
// The repository's formatter has the last word on JSON layout, so `pnpm lint` accepts the file as written.
await promisify(execFile)('pnpm', ['exec', 'biome', 'format', '--write', chartFiles.dashboard]);
process.stdout.write(`wrote ${chartFiles.prometheusRule}\nwrote ${chartFiles.dashboard}\n`);
