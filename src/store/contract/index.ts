// The store contract: one interface per aggregate. Phases and engines depend on these; the
// SQLite classes in src/store/*.ts and the in-memory twin in src/store/memory/ implement them.
export type * from './assess.js';
export type * from './copy.js';
export type * from './cutover.js';
export type * from './dualrun.js';
export type * from './groupware.js';
export type * from './job.js';
export type * from './pipeline.js';
export type * from './reads.js';
export type * from './verify.js';
export type * from './async.js';
