import { fileURLToPath } from 'node:url';
import { type ActionPin, loadActionPins } from './action-pins.js';
import { type LocalAction, loadLocalActions } from './local-actions.js';
import { findRepoRoot } from './repo-root.js';
import { loadWorkflows, type WorkflowFile } from './workflows.js';
import { workflowsAsRun } from './workflows-as-run.js';
import { loadWorkspace, type Workspace } from './workspace.js';

/** Everything the checks read, loaded once per test file. */
export interface Repository {
  root: string;
  /**
   * The workflows as the runner executes them, which is what the rules check: a step that uses a
   * local composite action is replaced by that action's steps, its inputs filled in.
   */
  workflows: WorkflowFile[];
  /** The workflows as written, for checks on the files themselves (`uses:` lines, local references). */
  writtenWorkflows: WorkflowFile[];
  /** The actions in .github/actions/<name>/. */
  localActions: LocalAction[];
  workspace: Workspace;
  pins: ActionPin[];
}

const PINS_FILE = fileURLToPath(new URL('../action-pins.yaml', import.meta.url));

export function loadRepository(start = fileURLToPath(new URL('.', import.meta.url))): Repository {
  const root = findRepoRoot(start);
  const writtenWorkflows = loadWorkflows(root);
  const localActions = loadLocalActions(root);
  return {
    root,
    workflows: workflowsAsRun(writtenWorkflows, localActions),
    writtenWorkflows,
    localActions,
    workspace: loadWorkspace(root),
    pins: loadActionPins(PINS_FILE),
  };
}
