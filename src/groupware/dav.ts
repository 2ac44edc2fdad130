import { tlsTrust } from '../net/tls-trust.js';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { davRequest, DAVNamespace, getDAVAttribute, fetchHomeUrl, fetchPrincipalUrl, propfind, serviceDiscovery, syncCollection, makeCalendar, type DAVResponse } from 'tsdav';
import type { Secret } from '../secret.js';
import type { CollectionKind } from '../store/groupware-store.js';

// One signed-in CardDAV/CalDAV session. Discovery, listings and sync-collection go through tsdav
// (its XML handling); object bodies are read and written with plain GET/PUT so that their bytes
// are never touched by an XML parser.

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

// NotDavError (wrong URL: exit 2), DavAuthError (sign-in refused), DavUnreachableError: in the
// one error family (src/errors.ts).
import { DavAuthError, DavUnreachableError, NotDavError } from '../errors.js';
export { DavAuthError, DavUnreachableError, NotDavError };

export interface DavCollectionInfo {
  href: string;
  kind: CollectionKind;
  displayName: string | null;
  color: string | null;
  description: string | null;
  ctag: string | null;
  syncToken: string | null;
  /** Calendar component types (VEVENT, VTODO…); empty for address books. */
  components: string[];
}

export interface DavItem {
  href: string;
  etag: string | null;
}

export interface DavBody {
  status: number;
  body: Buffer;
  etag: string | null;
  contentType: string | null;
}

export interface PutResult {
  status: number;
  etag: string | null;
  /** The server's reason when it refused (status line and the first line of its body). */
  reason: string;
}

export interface DavStats {
  requests: number;
  puts: number;
}

const str = (v: unknown): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'object') {
    const t = (v as { _text?: unknown; _cdata?: unknown })._text ?? (v as { _cdata?: unknown })._cdata;
    return t === undefined ? null : String(t);
  }
  return String(v);
};

/** Rejects plain http:// anywhere but on loopback (also for redirects and hrefs the server sends). */
export function assertAllowedUrl(url: string): void {
  const u = new URL(url);
  if (u.protocol === 'https:') return;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return;
  throw new NotDavError(`${u.origin}: refused, only https:// is used outside loopback`);
}

type CaFetch = (url: string, init: RequestInit & { headers: Headers }) => Promise<Response>;

/**
 * A fetch over node:https that trusts `ca` besides the system's CAs. Node's bundled fetch takes no
 * CA, and the npm undici's Agent, once imported, becomes the global dispatcher of Node's own fetch
 * (used elsewhere, e.g. for sign-in), whose parser then crashes on it: so no undici here.
 */
function caFetch(ca: string): CaFetch {
  const agent = new HttpsAgent({ keepAlive: true, ...tlsTrust({ allowInsecure: false, ca }) });
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const headers: Record<string, string> = {};
      init.headers.forEach((v, k) => (headers[k] = v));
      const body = init.body === undefined || init.body === null ? undefined : typeof init.body === 'string' ? Buffer.from(init.body) : Buffer.from(init.body as Uint8Array);
      if (body) headers['content-length'] = String(body.length);
      const u = new URL(url);
      if (u.protocol !== 'https:') return reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ERR_INVALID_PROTOCOL', message: `${u.protocol} with a caFile` } }));
      const req = httpsRequest(u, { method: init.method ?? 'GET', headers, agent, servername: isIP(u.hostname) ? undefined : u.hostname }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(Object.assign(new TypeError('terminated'), { cause: err })));
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
          const status = res.statusCode ?? 500;
          const nullBody = status === 204 || status === 205 || status === 304 || (init.method ?? 'GET').toUpperCase() === 'HEAD';
          resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: h }));
        });
      });
      req.on('error', (err) => reject(Object.assign(new TypeError('fetch failed'), { cause: err })));
      req.end(body);
    });
}

export class DavSession {
  readonly stats: DavStats = { requests: 0, puts: 0 };
  readonly #auth: string;
  readonly base: string;

  /** A fetch trusting the company CA (caFile) next to the system's; undefined: Node's own fetch. */
  readonly #withCa: CaFetch | undefined;

  constructor(base: string, user: string, secret: Secret, opts: { ca?: string } = {}) {
    this.base = base;
    this.#auth = 'Basic ' + Buffer.from(`${user}:${secret.reveal()}`).toString('base64');
    if (opts.ca) this.#withCa = caFetch(opts.ca);
  }

  /** fetch with this session's sign-in; same-origin redirects only; https verified by Node. */
  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    for (let hop = 0; ; hop++) {
      assertAllowedUrl(url);
      const headers = new Headers(init.headers);
      headers.set('authorization', this.#auth);
      headers.set('user-agent', 'mailshift');
      this.stats.requests++;
      if ((init.method ?? 'GET').toUpperCase() === 'PUT') this.stats.puts++;
      let res: Response;
      try {
        // With a caFile, node:https with the CA (Node's bundled fetch takes no CA option).
        res = this.#withCa ? await this.#withCa(url, { ...init, headers }) : await fetch(url, { ...init, headers, redirect: 'manual' });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        // A certificate that does not verify is permanent: say what to change, not "cannot connect".
        if (cause?.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(cause.code)) {
          throw new DavUnreachableError(`${new URL(url).origin}: its TLS certificate is not trusted (${cause.code}); if it comes from your company's own CA, give that CA's PEM file as caFile`);
        }
        throw new DavUnreachableError(`${new URL(url).origin}: cannot connect (${cause?.code ?? cause?.message ?? (err as Error).message})`);
      }
      const loc = res.headers.get('location');
      // tsdav's well-known lookup wants to see the redirect itself.
      if (res.status >= 300 && res.status < 400 && loc && init.redirect !== 'manual' && hop < 5) {
        const next = new URL(loc, url);
        if (next.origin !== new URL(url).origin) return res;
        url = next.href;
        continue;
      }
      return res;
    }
  };

  /** One OPTIONS request: does this URL speak CardDAV/CalDAV at all? */
  async probe(): Promise<{ carddav: boolean; caldav: boolean }> {
    const res = await this.fetch(this.base, { method: 'OPTIONS' });
    await res.arrayBuffer();
    const dav = (res.headers.get('dav') ?? '').toLowerCase();
    // A refusal without a DAV header (404, 405, 501…) is a wrong URL. 401/403 or a 2xx without
    // the header says nothing yet: discovery (current-user-principal) decides then.
    if (!dav && res.status >= 400 && res.status !== 401 && res.status !== 403) {
      throw new NotDavError(`${this.base} is not a CardDAV/CalDAV server (OPTIONS answered ${res.status} with no DAV header)`);
    }
    return { carddav: dav.includes('addressbook'), caldav: dav.includes('calendar-access') };
  }

  /** RFC 6764 well-known URL, then current-user-principal, then the home set of this kind. */
  async discoverHome(kind: CollectionKind): Promise<string> {
    const account = { accountType: kind === 'addressbook' ? ('carddav' as const) : ('caldav' as const), serverUrl: this.base };
    const rootUrl = await serviceDiscovery({ account, fetch: this.fetch });
    let principalUrl: string;
    try {
      principalUrl = await fetchPrincipalUrl({ account: { ...account, rootUrl }, fetch: this.fetch });
    } catch (err) {
      if (err instanceof DavUnreachableError || err instanceof NotDavError) throw err;
      const msg = (err as Error).message;
      if (/401|credentials/i.test(msg)) throw new DavAuthError(`${new URL(this.base).origin} refused the sign-in (401)`);
      throw new NotDavError(`${this.base} is not a CardDAV/CalDAV server (no current-user-principal at ${rootUrl})`);
    }
    try {
      return await fetchHomeUrl({ account: { ...account, rootUrl, principalUrl }, fetch: this.fetch });
    } catch (err) {
      if (err instanceof DavUnreachableError) throw err;
      throw new NotDavError(`${principalUrl}: no ${kind === 'addressbook' ? 'addressbook-home-set' : 'calendar-home-set'} (${(err as Error).message})`);
    }
  }

  /** Every address book or calendar directly under a home (one PROPFIND, Depth 1). */
  async collections(home: string): Promise<DavCollectionInfo[]> {
    const rs = await propfind({
      url: home,
      depth: '1',
      props: {
        'd:resourcetype': {},
        'd:displayname': {},
        'cs:getctag': {},
        'd:sync-token': {},
        'ca:calendar-color': {},
        'c:calendar-description': {},
        'card:addressbook-description': {},
        'c:supported-calendar-component-set': {},
      },
      fetch: this.fetch,
    });
    this.#check(rs, home);
    const out: DavCollectionInfo[] = [];
    for (const r of rs) {
      if (!r.ok || !r.href || !r.props) continue;
      const rt = r.props.resourcetype ?? {};
      const kind: CollectionKind | undefined = 'addressbook' in rt ? 'addressbook' : 'calendar' in rt ? 'calendar' : undefined;
      if (!kind) continue;
      const comps = r.props.supportedCalendarComponentSet?.comp;
      const components = (Array.isArray(comps) ? comps : comps ? [comps] : []).map((c: { _attributes?: { name?: string } }) => String(c._attributes?.name ?? '')).filter(Boolean);
      out.push({
        href: new URL(r.href, home).href,
        kind,
        displayName: str(r.props.displayname),
        color: str(r.props.calendarColor),
        description: str(kind === 'calendar' ? r.props.calendarDescription : r.props.addressbookDescription),
        ctag: str(r.props.getctag),
        syncToken: str(r.props.syncToken),
        components,
      });
    }
    return out;
  }

  /** Every object's href and ETag in a collection (PROPFIND Depth 1). */
  async list(collection: string): Promise<DavItem[]> {
    const rs = await propfind({ url: collection, depth: '1', props: { 'd:getetag': {}, 'd:resourcetype': {} }, fetch: this.fetch });
    this.#check(rs, collection);
    const out: DavItem[] = [];
    for (const r of rs) {
      if (!r.ok || !r.href) continue;
      const href = new URL(r.href, collection).href;
      if (href === collection || (r.props?.resourcetype && 'collection' in r.props.resourcetype)) continue;
      out.push({ href, etag: str(r.props?.getetag) });
    }
    return out;
  }

  /**
   * RFC 6578 sync-collection from `token` ('' for everything). Returns the changed objects and
   * the new token, or undefined when the server refuses (an expired token: list instead).
   */
  async changes(collection: string, token: string): Promise<{ changed: DavItem[]; removed: string[]; token: string | null } | undefined> {
    const rs = await syncCollection({ url: collection, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token, fetch: this.fetch });
    const first = rs[0];
    if (!first || (rs.length === 1 && !first.href?.startsWith('/') && !first.ok && first.status >= 400)) return undefined;
    const raw = first.raw as { multistatus?: { syncToken?: unknown } } | undefined;
    if (!raw?.multistatus) return undefined;
    const changed: DavItem[] = [];
    const removed: string[] = [];
    for (const r of rs) {
      if (!r.href) continue;
      const href = new URL(r.href, collection).href;
      if (href === collection) continue;
      if (r.status === 404) removed.push(href);
      else if (r.ok) changed.push({ href, etag: str(r.props?.getetag) });
    }
    return { changed, removed, token: str(raw.multistatus.syncToken) };
  }

  async get(href: string): Promise<DavBody> {
    const res = await this.fetch(href, { method: 'GET' });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, body, etag: res.headers.get('etag'), contentType: res.headers.get('content-type') };
  }

  /** PUT with a precondition: `create` = If-None-Match: * (never overwrite); else If-Match: etag. */
  async put(href: string, body: Buffer, contentType: string, cond: { create: true } | { ifMatch: string }): Promise<PutResult> {
    const headers: Record<string, string> = { 'content-type': contentType };
    if ('create' in cond) headers['if-none-match'] = '*';
    else headers['if-match'] = cond.ifMatch;
    const res = await this.fetch(href, { method: 'PUT', headers, body });
    const text = await res.text();
    const firstLine = text.replace(/<[^>]+>/g, ' ').split('\n').map((l) => l.trim()).find(Boolean) ?? '';
    return { status: res.status, etag: res.headers.get('etag'), reason: `${res.status} ${res.statusText}${firstLine ? `: ${firstLine.slice(0, 200)}` : ''}` };
  }

  /** The destination ETag after a PUT that did not return one (some servers reserialize). */
  async etag(href: string): Promise<string | null> {
    const res = await this.fetch(href, { method: 'HEAD' });
    await res.arrayBuffer();
    return res.ok ? res.headers.get('etag') : null;
  }

  /** Creates an address book (extended MKCOL, RFC 5689) or a calendar (MKCALENDAR) with its name, colour and description. */
  async create(url: string, c: { kind: CollectionKind; displayName: string | null; color: string | null; description: string | null; components: string[] }): Promise<{ ok: boolean; reason: string }> {
    let rs: DAVResponse[];
    if (c.kind === 'addressbook') {
      const props: Record<string, unknown> = { 'd:resourcetype': { 'd:collection': {}, 'card:addressbook': {} } };
      if (c.displayName) props['d:displayname'] = c.displayName;
      if (c.description) props['card:addressbook-description'] = c.description;
      // Extended MKCOL (RFC 5689): tsdav has the request but does not export it by name.
      rs = await davRequest({
        url,
        init: { method: 'MKCOL', namespace: 'd', body: { mkcol: { _attributes: getDAVAttribute([DAVNamespace.DAV, DAVNamespace.CARDDAV]), set: { prop: props } } } },
        fetch: this.fetch,
      });
    } else {
      const props: Record<string, unknown> = {};
      if (c.displayName) props['d:displayname'] = c.displayName;
      if (c.color) props['ca:calendar-color'] = c.color;
      if (c.description) props['c:calendar-description'] = c.description;
      if (c.components.length) props['c:supported-calendar-component-set'] = { 'c:comp': c.components.map((name) => ({ _attributes: { name } })) };
      rs = await makeCalendar({ url, props, fetch: this.fetch });
    }
    const bad = rs.find((r) => !r.ok);
    return { ok: !bad, reason: bad ? `${bad.status} ${bad.statusText}` : '' };
  }

  #check(rs: DAVResponse[], url: string): void {
    if (rs.length === 1 && !rs[0]!.ok && rs[0]!.raw !== undefined && !rs[0]!.props) {
      const s = rs[0]!.status;
      if (s === 401) throw new DavAuthError(`${new URL(url).origin} refused the sign-in (401)`);
      throw new NotDavError(`${url}: PROPFIND answered ${s} ${rs[0]!.statusText}`);
    }
  }
}
