import type { Engine } from '../engine.js';

interface ImageConfig {
  User?: string;
  WorkingDir?: string;
  ExposedPorts?: Record<string, unknown>;
  Env?: string[];
  Cmd?: string[];
  Labels?: Record<string, string>;
}

export async function imageConfig(engine: Engine, image: string) {
  const result = await engine.must(['image', 'inspect', image], { timeoutMs: 30_000 });
  const [inspected] = JSON.parse(result.stdout) as { Config?: ImageConfig; Size?: number }[];
  if (!inspected?.Config) throw new Error(`no config in the inspection of ${image}`);
  return { config: inspected.Config, size: inspected.Size ?? 0 };
}

/** The contract's container settings, read from the built image's own config. */
export async function checkImageConfig(engine: Engine, image: string) {
  const { config } = await imageConfig(engine, image);
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      problems.push(`${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    }
  };
  expect('User', config.User, '1000:1000');
  expect('WorkingDir', config.WorkingDir, '/app');
  expect('Cmd', config.Cmd, ['node', 'dist/main.js']);
  expect('ExposedPorts', Object.keys(config.ExposedPorts ?? {}), ['8080/tcp']);
  if (!config.Env?.includes('NODE_ENV=production')) problems.push('NODE_ENV=production is not set');
  const labels = config.Labels ?? {};
  for (const label of ['title', 'revision', 'base.name']) {
    if (!labels[`org.opencontainers.image.${label}`])
      problems.push(`label org.opencontainers.image.${label} missing`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return `user 1000:1000, /app, CMD node dist/main.js, EXPOSE 8080, NODE_ENV=production, revision ${labels['org.opencontainers.image.revision']?.slice(0, 12)}`;
}
