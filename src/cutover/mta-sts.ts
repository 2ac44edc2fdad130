import https from 'node:https';
import tls from 'node:tls';

// Fetches the MTA-STS policy: https://mta-sts.<domain>/.well-known/mta-sts.txt on port 443 with
// the system CAs (RFC 8461 §3.3: valid certificate for the name, no redirects, HTTP 200).
// `hostMap` sends the connection elsewhere (a loopback port in tests) while the TLS name and
// the Host header stay mta-sts.<domain>.

export interface PolicyFetch {
  url: string;
  ok: boolean;
  status?: number;
  text?: string;
  error?: string;
}

export function fetchMtaStsPolicy(
  domain: string,
  opts: { hostMap: Record<string, { host: string; port: number }>; ca?: string; timeoutMs: number; signal?: AbortSignal },
): Promise<PolicyFetch> {
  const name = `mta-sts.${domain}`;
  const url = `https://${name}/.well-known/mta-sts.txt`;
  const target = opts.hostMap[name] ?? { host: name, port: 443 };
  return new Promise((resolve) => {
    const req = https.request(
      {
        host: target.host,
        port: target.port,
        path: '/.well-known/mta-sts.txt',
        method: 'GET',
        servername: name,
        headers: { host: name, 'user-agent': 'mailshift-cutover-check' },
        ca: opts.ca ? [...tls.rootCertificates, opts.ca] : undefined,
        // The name is checked against mta-sts.<domain> even when connecting to a mapped address.
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
        timeout: opts.timeoutMs,
        signal: opts.signal,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 64 * 1024) chunks.push(c); // RFC 8461 §3.3: policies are small
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status !== 200) resolve({ url, ok: false, status, error: `HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not allowed for MTA-STS)' : ''}` });
          else resolve({ url, ok: true, status, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (err) => resolve({ url, ok: false, error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (err) => resolve({ url, ok: false, error: err.message }));
    req.end();
  });
}
