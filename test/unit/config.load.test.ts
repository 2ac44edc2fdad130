import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { InputError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'mailshift-config-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const base = `job: acme-2026
domain: acme.com.hk
source: { preset: tencent-exmail }
destination: { host: 127.0.0.1, port: 2143, tls: none, allowInsecure: true, maxConnections: 8 }
accounts: accounts.csv
`;

function errorOf(path: string): string {
  try {
    loadConfig(path);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('loadConfig', () => {
  it('fills a server from its preset and resolves paths relative to the config file', () => {
    const cfg = loadConfig(write('ok.yaml', base));
    expect(cfg.source).toMatchObject({ preset: 'tencent-exmail', host: 'imap.exmail.qq.com', port: 993, tls: 'implicit', allowInsecure: false });
    expect(cfg.destination).toMatchObject({ host: '127.0.0.1', port: 2143, tls: 'none', maxConnections: 8 });
    expect(cfg.accountsPath).toBe(join(dir, 'accounts.csv'));
    expect(cfg.storePath).toBe(join(dir, 'acme-2026.mailshift.db'));
    expect(cfg.logPath).toBe(join(dir, 'acme-2026.mailshift.log'));
  });

  it('reads JSON as well as YAML', () => {
    const json = JSON.stringify({ job: 'j1', domain: 'acme.test', source: { host: 'a', tls: 'implicit' }, destination: { host: 'b' }, accounts: 'a.csv', store: 'x/y.db' });
    const cfg = loadConfig(write('ok.json', json));
    expect(cfg.storePath).toBe(join(dir, 'x', 'y.db'));
    expect(cfg.source.port).toBe(993);
  });

  it.each([
    ['missing.yaml', null, /missing\.yaml: config file not found/],
    ['bad.yaml', 'job: [unclosed\n', /bad\.yaml.*not valid YAML or JSON/],
    ['list.yaml', '- a\n- b\n', /expected a mapping/],
    ['nojob.yaml', base.replace('job: acme-2026\n', ''), /nojob\.yaml: job is required/],
    ['unknown.yaml', base + 'colour: blue\n', /unknown setting colour/],
    ['tls.yaml', base.replace('allowInsecure: true, ', ''), /destination\.tls is "none".*allowInsecure: true/],
    ['preset.yaml', base.replace('tencent-exmail', 'hotmail'), /source\.preset "hotmail" is unknown/],
    ['nohost.yaml', base.replace('{ preset: tencent-exmail }', '{ preset: dovecot }'), /source\.host is required/],
    ['badport.yaml', base.replace('port: 2143', 'port: "abc"'), /destination\.port must be a number, not "abc"$/],
    ['badbool.yaml', base.replace('allowInsecure: true', 'allowInsecure: "yes"'), /destination\.allowInsecure must be true or false, not "yes"$/],
    ['badlist.yaml', base + 'folders: { exclude: Junk }\n', /folders\.exclude must be a list, not "Junk"$/],
    ['nocafile.yaml', base.replace('maxConnections: 8 }', 'maxConnections: 8, caFile: ca/missing.pem }'), /destination\.caFile ca\/missing\.pem: file not found or not readable$/],
    ['badcafile.yaml', (writeFileSync(join(dir, 'notes.pem'), 'not a certificate'), base.replace('maxConnections: 8 }', 'maxConnections: 8, caFile: notes.pem }')), /destination\.caFile notes\.pem: not a PEM certificate/],
    ['port.yaml', base.replace('port: 2143', 'port: 70000'), /destination\.port:/],
    ['domain.yaml', base.replace('acme.com.hk', 'not a domain'), /domain: must be a domain name/],
  ])('%s gives one clear line', (name, text, pattern) => {
    const p = text === null ? join(dir, name) : write(name, text);
    const message = errorOf(p);
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
  });
});
