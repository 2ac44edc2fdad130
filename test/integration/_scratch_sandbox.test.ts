import { startDovecot } from '../../src/sandbox/dovecot.js';
import { ImapFlow } from 'imapflow';
import { test } from 'vitest';
test('scratch', async () => {
const s = await startDovecot({ name: 'dest', separator: '.', namespacePrefix: 'INBOX.', appendLimit: 100000, quotaBytes: 300000, tlsPort: true });
console.log(s.port, s.tlsPort, s.baseDir, s.pids());
await s.addUser('alice', 'pw');
const c = new ImapFlow({ host: '127.0.0.1', port: s.port, secure: false, doSTARTTLS: false, auth: { user: 'alice', pass: 'pw' }, logger: false, disableAutoIdle: true });
c.on('error', e => console.log('err', e));
await c.connect();
console.log([...c.capabilities.keys()].join(' '));
console.log('enabled', [...(c.enabled ?? [])]);
const l = await c.list();
console.log(l.map(f => [f.path, f.delimiter, f.specialUse]));
const r = await c.append('INBOX.Sent', Buffer.from('Subject: x\r\n\r\nhello\r\n'), ['\\Seen', '$Foo'], new Date('2020-01-02T03:04:05Z'));
console.log(r);
try { await c.append('INBOX', Buffer.alloc(200000, 'a'), []); } catch (e: any) { console.log('big', e.responseText, e.serverResponseCode); }
console.log(await c.getQuota('INBOX'));
await c.logout();
console.log(s.pids());
await s.stop();
console.log('after', s.pids());
});
