import type { Credentials } from '../auth/types.js';
import type { ImapFlow } from 'imapflow';
import type { Account, JobConfig } from '../config/types.js';
import { closeImap, connectImap } from '../imap/connect.js';
import { listFolders } from '../imap/folders.js';
import type { Logger } from '../logger.js';

// Adoption after the switch, read from the destination only (EXAMINE: nothing is changed, not
// even a \Seen flag): per person, how many messages arrived in INBOX since the switch and how
// many of those are read, and how many messages are in the Sent folder since the switch.
// Caveat stated in the report: mail that dual-run copied from the old system after the switch,
// with its flags, counts as well.

export interface PersonAdoption {
  account: string;
  /** INBOX messages with INTERNALDATE at or after the switch. */
  newMessages: number;
  newRead: number;
  /** Messages in the \Sent folder dated at or after the switch. */
  sent: number;
  active: boolean;
  error?: string;
}

async function since(client: ImapFlow, path: string, from: Date): Promise<{ total: number; seen: number }> {
  const lock = await client.getMailboxLock(path, { readOnly: true, description: 'adoption' });
  try {
    // SEARCH SINCE is by day; INTERNALDATE then gives the exact instant.
    const uids = (await client.search({ since: new Date(from.getTime() - 86_400_000) }, { uid: true })) || [];
    let total = 0;
    let seen = 0;
    if (uids.length) {
      for await (const m of client.fetch(uids, { uid: true, internalDate: true, flags: true }, { uid: true })) {
        const at = m.internalDate instanceof Date ? m.internalDate : m.internalDate ? new Date(m.internalDate) : undefined;
        if (!at || at.getTime() < from.getTime()) continue;
        total++;
        if (m.flags?.has('\\Seen')) seen++;
      }
    }
    return { total, seen };
  } finally {
    lock.release();
  }
}

export async function checkAdoption(config: JobConfig, accounts: Account[], switchAt: Date, log: Logger, credentials: Credentials): Promise<PersonAdoption[]> {
  const out: PersonAdoption[] = [];
  for (const a of accounts) {
    let client: ImapFlow | undefined;
    try {
      client = await connectImap(config.destination, { account: a, credentials }, { side: 'destination', log });
      const listed = await listFolders(client);
      const inbox = listed.folders.find((f) => f.path.toUpperCase() === 'INBOX');
      const sentFolder = listed.folders.find((f) => f.specialUse === '\\Sent');
      const inb = inbox ? await since(client, inbox.path, switchAt) : { total: 0, seen: 0 };
      const sent = sentFolder ? await since(client, sentFolder.path, switchAt) : { total: 0, seen: 0 };
      out.push({ account: a.destinationUser, newMessages: inb.total, newRead: inb.seen, sent: sent.total, active: inb.seen > 0 || sent.total > 0 });
    } catch (err) {
      out.push({ account: a.destinationUser, newMessages: 0, newRead: 0, sent: 0, active: false, error: (err as Error).message });
    } finally {
      await closeImap(client);
    }
  }
  return out;
}
