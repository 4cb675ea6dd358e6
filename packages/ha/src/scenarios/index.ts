import { crash } from './crash.js';
import { credentialRotation } from './credential-rotation.js';
import { databaseOutage } from './database-outage.js';
import { overload } from './overload.js';
import { rollingRestart } from './rolling-restart.js';
import type { Scenario } from './scenario.js';

/** In the order the drill runs them (the overload last: it leaves the machine hot). */
export const scenarios: readonly Scenario[] = [
  rollingRestart,
  crash,
  databaseOutage,
  credentialRotation,
  overload,
];
