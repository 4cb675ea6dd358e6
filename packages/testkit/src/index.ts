export { freePort } from './free-port.js';
export * from './process.js';
