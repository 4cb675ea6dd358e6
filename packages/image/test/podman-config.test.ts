import test from 'ava';
import { podmanConfig } from '../src/engine.js';

test('podman runs with runc, cgroupfs, file events and ulimits the host allows', (t) => {
  const { containersConf } = podmanConfig('/p/.cache/podman');
  t.regex(containersConf, /^runtime = "runc"$/m);
  t.regex(containersConf, /^cgroup_manager = "cgroupfs"$/m);
  t.regex(containersConf, /^events_logger = "file"$/m);
  t.regex(containersConf, /^default_ulimits = \["nofile=20000:20000", "nproc=4096:4096"\]$/m);
});

test('every path podman writes is inside the given folder', (t) => {
  const { containersConf, storageConf } = podmanConfig('/p/.cache/podman');
  const paths = [...`${containersConf}\n${storageConf}`.matchAll(/= "(\/[^"]*)"/g)].map((match) => match[1]);
  t.true(paths.length >= 5);
  for (const path of paths) t.true(path?.startsWith('/p/.cache/podman/'), path);
});

test('short image names are never searched in a registry', (t) => {
  t.regex(podmanConfig('/x').registriesConf, /^unqualified-search-registries = \[\]$/m);
});
