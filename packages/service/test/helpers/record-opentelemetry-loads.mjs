// Loaded with `--import` into a service process: counts the modules of @opentelemetry/* packages the process
// loads (through any loader: tsx's, Node's ESM or CommonJS) and reports the count on stderr at exit.
import { registerHooks } from 'node:module';

const loaded = new Set();
registerHooks({
  load(url, context, nextLoad) {
    if (url.includes('/@opentelemetry/')) loaded.add(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => {
  process.stderr.write(`@opentelemetry modules loaded: ${loaded.size}\n`);
});
