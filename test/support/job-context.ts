import { loadAccounts } from '../../src/config/accounts.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { silentProgress, type PhaseContext } from '../../src/phases/context.js';
import { Store } from '../../src/store/store.js';
import { asyncStore } from '../../src/store/contract/async.js';

/** A PhaseContext as the CLI builds it for a config file, without the CLI (silent log and progress). */
export function jobContext(configPath: string): { ctx: PhaseContext; close(): void } {
  const config = loadConfig(configPath);
  const store = Store.open(config.storePath);
  store.ensureJob(config.job, config.domain);
  const ctx: PhaseContext = { config, accounts: loadAccounts(config.accountsPath), store: asyncStore(store), log: silentLogger(), signal: new AbortController().signal, progress: silentProgress };
  return { ctx, close: () => store.close() };
}
