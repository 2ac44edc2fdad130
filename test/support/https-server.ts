import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A test PKI made with openssl (a CA the code under test is told to trust, and leaf
// certificates for chosen names) and a local HTTPS server for the MTA-STS policy.

export interface TestCert {
  key: string;
  cert: string;
}

export interface TestPki {
  dir: string;
  caFile: string;
  ca: string;
  /** A certificate signed by the test CA, valid for `name` only. */
  leaf(name: string): TestCert;
  cleanup(): void;
}

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-pki-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3', '-subj', '/CN=mailshift test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const cache = new Map<string, TestCert>();
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    leaf(name) {
      const hit = cache.get(name);
      if (hit) return hit;
      const base = name.replace(/[^a-z0-9.-]/gi, '_');
      writeFileSync(join(dir, `${base}.ext`), `subjectAltName=${isIP(name) ? 'IP' : 'DNS'}:${name}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
      run(['req', ...ec, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${name}`]);
      run(['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${base}.pem`, '-days', '3', '-extfile', `${base}.ext`]);
      const c = { key: readFileSync(join(dir, `${base}.key`), 'utf8'), cert: readFileSync(join(dir, `${base}.pem`), 'utf8') };
      cache.set(name, c);
      return c;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestHttps {
  port: number;
  /** "127.0.0.1:PORT". */
  address: string;
  /** The body of /.well-known/mta-sts.txt; undefined answers 404. */
  setPolicy(text: string | undefined): void;
  requests: number;
  stop(): Promise<void>;
}

export async function startHttpsServer(cert: TestCert): Promise<TestHttps> {
  let policy: string | undefined;
  const state = { requests: 0 };
  const server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    state.requests++;
    if (req.url === '/.well-known/mta-sts.txt' && policy !== undefined) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(policy);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    setPolicy(text) {
      policy = text;
    },
    get requests() {
      return state.requests;
    },
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
