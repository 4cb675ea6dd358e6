import { fileURLToPath } from 'node:url';
import { type ActionPins, loadActionPins } from './action-pins.js';
import { findRepoRoot } from './repo-root.js';
import { loadWorkflows, type WorkflowFile } from './workflows.js';
import { loadWorkspace, type Workspace } from './workspace.js';

/** Everything the checks read, loaded once per test file. */
export interface Repository {
  root: string;
  workflows: WorkflowFile[];
  workspace: Workspace;
  pins: ActionPins;
}

const PINS_FILE = fileURLToPath(new URL('../action-pins.yaml', import.meta.url));

export function loadRepository(start = fileURLToPath(new URL('.', import.meta.url))): Repository {
  const root = findRepoRoot(start);
  return {
    root,
    workflows: loadWorkflows(root),
    workspace: loadWorkspace(root),
    pins: loadActionPins(PINS_FILE),
  };
}
