export { MemoryData } from './data.js';
export { MemoryStore, openMemoryStore, type MemoryStoreOptions } from './store.js';
