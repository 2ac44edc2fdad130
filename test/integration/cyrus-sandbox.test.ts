import { describe, expect, it } from 'vitest';
import { closeClient, openClient, readAll, seedMessages } from '../support/dovecot.js';
import { startCyrusServer } from '../support/cyrus.js';

// The Cyrus harness itself: real logins against sasldb, both namespaces, munge8bit on.
describe('cyrus sandbox', () => {
  for (const namespace of ['classic', 'alt'] as const) {
    it(`${namespace} namespace: sasldb logins are checked, folders, special-use, 8-bit headers munged`, async () => {
      const cyrus = await startCyrusServer({ name: `smoke-${namespace}`, namespace });
      await cyrus.addUser('alice', 'pw-alice');
      await expect(openClient(cyrus, 'alice', 'wrong-password')).rejects.toThrow();
      const c = await openClient(cyrus, 'alice', 'pw-alice');
      try {
        expect(c.namespace?.delimiter).toBe(cyrus.separator);
        expect(c.namespace?.prefix ?? '').toBe(cyrus.namespacePrefix);
        const list = await c.list();
        expect(list.find((f) => f.specialUse === '\\Sent')?.path).toBe(`${cyrus.namespacePrefix}Sent`);
      } finally {
        await closeClient(c);
      }
      const raw = Buffer.from('Message-ID: <m1@x>\r\nSubject: caf\xe9\r\nDate: Mon, 1 Dec 2025 10:00:00 +0000\r\n\r\nbody\r\n', 'latin1');
      await seedMessages(cyrus, 'alice', 'pw-alice', [{ folder: 'Projects/2024', raw, flags: ['\\Seen'], internalDate: new Date('2025-12-01T10:00:00Z') }]);
      const all = await readAll(cyrus, 'alice', 'pw-alice');
      const f = all.find((x) => x.path === 'Projects/2024')!;
      expect(f.messages).toHaveLength(1);
      // munge8bit: the 8-bit byte of the header came back as 'X'.
      expect(f.messages[0]!.raw?.toString('latin1')).toContain('Subject: cafX');
    });
  }
});
