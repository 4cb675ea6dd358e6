// The render helper lives in src/ because other packages' tests use it too (through the package's
// `./helm` export); the chart's own tests import it from here.
export * from '../../src/helm.js';
