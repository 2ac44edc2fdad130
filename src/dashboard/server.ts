import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobConfig } from '../config/types.js';
import { LANGS, parseLangs, type Lang } from '../i18n/index.js';
import { renderDashboard } from './page.js';
import { SnapshotReader } from './snapshot.js';

// `mailshift serve`: a read-only web page over the job store. Every request needs the access
// token that is printed with the URL (compared in constant time); without it: 403. Only GET and
// HEAD are answered: nothing on this server can change the job. Updates are server-sent events
// from a poll of the store.

export interface DashboardOptions {
  host: string;
  port: number;
  lang: Lang;
  /** How often the store is read for the live updates. */
  intervalMs?: number;
  /** Fixed token (tests); default: 24 random bytes. */
  token?: string;
}

export interface RunningDashboard {
  url: string;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function tokenMatches(given: string | null, token: string): boolean {
  // Hashing both sides gives equal lengths, so timingSafeEqual never throws and leaks no length.
  return given !== null && timingSafeEqual(digest(given), digest(token));
}

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  // The page's own inline script and style only; it loads nothing from anywhere.
  'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'",
};

export async function startDashboard(config: JobConfig, opts: DashboardOptions): Promise<RunningDashboard> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const reader = new SnapshotReader(config);
  const interval = opts.intervalMs ?? 1000;
  const clients = new Set<ServerResponse>();
  let last = '';

  const poll = () => {
    if (clients.size === 0) return;
    const snap = reader.read();
    const body = JSON.stringify(snap);
    // Only changes are sent (the "at" stamp alone is no change); a comment keeps proxies awake.
    const key = JSON.stringify({ ...snap, at: '' });
    for (const res of clients) res.write(key === last ? `: keep-alive\n\n` : `data: ${body}\n\n`);
    last = key;
  };
  const timer = setInterval(poll, interval);
  timer.unref();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end('read-only\n');
      return;
    }
    if (!tokenMatches(url.searchParams.get('token'), token)) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end('403 forbidden: open the address mailshift serve printed (it has the access token)\n');
      return;
    }
    if (url.pathname === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive', ...SECURITY_HEADERS });
      res.write(`retry: 2000\n\ndata: ${JSON.stringify(reader.read())}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      let lang = opts.lang;
      const asked = url.searchParams.get('lang');
      if (asked) {
        try {
          lang = parseLangs(asked)[0]!;
        } catch {
          // An unknown language falls back to the one serve was started with.
        }
      }
      const html = renderDashboard({ lang, langs: LANGS, timeZone: config.timezone, token, snapshot: reader.read() });
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...SECURITY_HEADERS }).end(req.method === 'HEAD' ? undefined : html);
      return;
    }
    if (url.pathname === '/snapshot.json') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', ...SECURITY_HEADERS }).end(JSON.stringify(reader.read()));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end('not found\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}/?token=${token}`;
  return {
    url,
    token,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        for (const c of clients) c.end();
        server.close(() => resolve());
        server.closeAllConnections?.();
        reader.close();
      }),
  };
}
