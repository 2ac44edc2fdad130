import type { JobConfig } from '../config/types.js';
import { asyncStore, type AsyncJobStore } from './contract/async.js';
import { Store } from './store.js';

/**
 * The job's store as the phases use it (the async contract): the PostgreSQL store when the
 * config says `store: postgres://…`, else the SQLite file, served through `asyncStore`.
 * `readonly` applies to SQLite (status never creates or migrates the file).
 */
export async function openJobStore(config: Pick<JobConfig, 'storePath' | 'postgresStore'>, opts: { readonly?: boolean } = {}): Promise<AsyncJobStore> {
  if (config.postgresStore) {
    const { PgStore } = await import('./postgres/store.js');
    return PgStore.open(config.postgresStore.config, config.postgresStore.where);
  }
  return asyncStore(Store.open(config.storePath, opts));
}
