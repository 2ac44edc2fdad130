import type { DovecotServer } from '../sandbox/dovecot.js';
import { closeClient, openClient } from '../sandbox/imap-client.js';
import { seedMessages } from '../sandbox/seed.js';

// What the demo company's staff and the outside world do while the migration runs: new mail
// arrives at the old server (during dual-run, and late, after the MX switch) and someone flags
// a message in their old mail client. The dual-run and cutover steps must carry all of it over.

let sequence = 0;

/** Delivers `count` messages to a user's INBOX on the server, as the old provider's MX would. */
export async function deliverMail(server: DovecotServer, user: { user: string; password: string }, count: number, what: string): Promise<void> {
  const now = new Date();
  now.setUTCMilliseconds(0);
  const messages = Array.from({ length: count }, (_, i) => {
    const n = ++sequence;
    const date = new Date(now.getTime() + i * 1000);
    const raw = Buffer.from(
      [
        `Received: from mail.customer.example (mail.customer.example [192.0.2.25]) by mx.old-provider.test; ${date.toUTCString()}`,
        `Message-ID: <demo-${n}.${date.getTime()}@customer.example>`,
        `From: Wong Ka Ming <kaming@customer.example>`,
        `To: ${user.user}`,
        `Subject: =?UTF-8?B?${Buffer.from(`訂單確認 / order confirmation #${n} (${what})`).toString('base64')}?=`,
        `Date: ${date.toUTCString()}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=UTF-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        `您好，這是第 ${n} 號訂單的確認。This mail arrived ${what}.`,
        '',
      ].join('\r\n'),
    );
    return { folder: 'INBOX', raw, flags: [], internalDate: date };
  });
  await seedMessages(server, user.user, user.password, messages, { connections: 1 });
}

/** Flags the oldest unflagged INBOX message, as a user would in the old mail client. Returns its UID. */
export async function flagOldestMessage(server: DovecotServer, user: { user: string; password: string }): Promise<number | undefined> {
  const client = await openClient(server, user.user, user.password);
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const uids = await client.search({ flagged: false }, { uid: true });
      const uid = uids && uids.length ? Math.min(...uids) : undefined;
      if (uid !== undefined) await client.messageFlagsAdd(String(uid), ['\\Flagged'], { uid: true });
      return uid;
    } finally {
      lock.release();
    }
  } finally {
    await closeClient(client);
  }
}

/**
 * Files the newest INBOX message into a folder (created if needed), as a user would by dragging
 * it in the old mail client. Uses MOVE where the server offers it, else COPY and \Deleted.
 */
export async function fileNewestMessage(server: DovecotServer, user: { user: string; password: string }, folder: string): Promise<boolean> {
  const client = await openClient(server, user.user, user.password);
  try {
    const listed = await client.list();
    if (!listed.some((f) => f.path === folder)) await client.mailboxCreate(folder);
    const lock = await client.getMailboxLock('INBOX');
    try {
      const uids = await client.search({ all: true }, { uid: true });
      if (!uids || !uids.length) return false;
      const uid = String(Math.max(...uids));
      if (client.capabilities.has('MOVE')) return !!(await client.messageMove(uid, folder, { uid: true }));
      const ok = !!(await client.messageCopy(uid, folder, { uid: true }));
      if (ok) await client.messageFlagsAdd(uid, ['\\Deleted'], { uid: true });
      return ok;
    } finally {
      lock.release();
    }
  } finally {
    await closeClient(client);
  }
}

/** Puts one message into a user's folder as delivered now (the demo MX's delivery). */
export async function appendTo(server: DovecotServer, user: { user: string; password: string }, folder: string, raw: Buffer): Promise<void> {
  const client = await openClient(server, user.user, user.password);
  try {
    await client.append(folder, raw, [], new Date());
  } finally {
    await closeClient(client);
  }
}
