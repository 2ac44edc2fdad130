// The capability-filtering proxy lives with the sandbox servers (the benchmark uses it too).
export * from '../../src/sandbox/cap-proxy.js';
