/**
 * A capability-filtering IMAP proxy (test and benchmark infrastructure) in front of a sandbox Dovecot: it makes Dovecot
 * look like a provider that offers less, and fails the client loudly when it uses what was not
 * offered - so a test asserts that mailshift uses an extension only when it is advertised.
 *
 * - Every capability list the server sends (greeting code, CAPABILITY responses, the tagged OK
 *   of LOGIN/AUTHENTICATE) is cut down to the profile.
 * - Response codes and data of extensions not offered are stripped (APPENDUID/COPYUID of
 *   UIDPLUS, HIGHESTMODSEQ/NOMODSEQ/MODIFIED of CONDSTORE, special-use LIST attributes, …).
 * - A command that uses an extension not offered (MULTIAPPEND = several messages in one APPEND,
 *   UID MOVE, ENABLE, CONDSTORE modifiers, LITERAL+ literals, ESEARCH RETURN, …) is answered
 *   `BAD` by the proxy, never forwarded, and recorded in `violations`.
 *
 * Client commands are assembled whole before they are checked: the proxy answers a
 * synchronizing literal's continuation itself and forwards literals to Dovecot as LITERAL+
 * (which Dovecot offers). AUTHENTICATE and IDLE exchanges pass through line by line.
 * COMPRESS=DEFLATE is not offered by any profile here: the proxy reads commands as text, so it
 * cannot filter a deflated stream (the COMPRESS path is tested against Dovecot's imap_zlib directly).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProfileName = 'm365' | 'gmail' | 'minimal';

/**
 * Capabilities each profile advertises (only those Dovecot itself has are passed on).
 * Sources:
 * - m365: outlook.office365.com's post-login CAPABILITY as logged by clients, e.g.
 *   "IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE
 *   NAMESPACE LITERAL+" (github.com/RainLoop/rainloop-webmail/issues/686,
 *   github.com/imapsync/imapsync/issues/368, github.com/jstedfast/MailKit/issues/2016):
 *   no MULTIAPPEND, CONDSTORE, SPECIAL-USE or ENABLE (ENABLE appears only with IMAP4rev2 on some tenants).
 * - gmail: developers.google.com/gmail/imap/imap-extensions (X-GM-EXT-1, XLIST, UIDPLUS …),
 *   issue 12 and imapsync FAQ.Messages_Too_Big (APPENDLIMIT=35651584): UIDPLUS, CONDSTORE,
 *   ENABLE, MOVE, ESEARCH, LIST-EXTENDED, LIST-STATUS, SPECIAL-USE, LITERAL- (not LITERAL+),
 *   no MULTIAPPEND. Its COMPRESS=DEFLATE is left out here (see above).
 * - minimal: IMAP4rev1 only (RFC 3501), as Tencent/Alibaba-style servers advertise little more:
 *   no UIDPLUS, LITERAL+, MULTIAPPEND, CONDSTORE, SPECIAL-USE, NAMESPACE, IDLE.
 */
export const PROFILES: Record<ProfileName, string[]> = {
  m365: ['IMAP4rev1', 'SASL-IR', 'UIDPLUS', 'MOVE', 'ID', 'UNSELECT', 'CHILDREN', 'IDLE', 'NAMESPACE', 'LITERAL+'],
  gmail: ['IMAP4rev1', 'UNSELECT', 'IDLE', 'NAMESPACE', 'QUOTA', 'ID', 'CHILDREN', 'UIDPLUS', 'ENABLE', 'MOVE', 'CONDSTORE', 'ESEARCH', 'LIST-EXTENDED', 'LIST-STATUS', 'LITERAL-', 'SPECIAL-USE', 'SASL-IR'],
  minimal: ['IMAP4rev1'],
};

export interface Violation {
  extension: string;
  command: string;
}

export interface CapProxy {
  host: '127.0.0.1';
  port: number;
  profile: ProfileName;
  violations: Violation[];
  /** Commands seen, by name (e.g. APPEND), for tests that check the path taken. */
  commands: Map<string, number>;
  /** With `throttle`: when each throttling answer was sent, and when each APPEND was forwarded. */
  throttledAt: number[];
  appendsAt: number[];
  /** With `dailyLimit`: when each over-the-limit APPEND was refused. */
  limited: number[];
  close(): Promise<void>;
}

const SPECIAL_USE_ATTRS = /\\(All|Archive|Drafts|Flagged|Junk|Sent|Trash|Important)\b\s?/gi;

function filterCaps(list: string, allowed: Set<string>): string {
  const keep = list.split(/\s+/).filter((c) => {
    const u = c.toUpperCase();
    if (u.startsWith('AUTH=') || u === 'LOGINDISABLED' || u === 'STARTTLS') return true;
    return allowed.has(u);
  });
  return keep.join(' ');
}

/**
/**
 * Provider throttling answers, injected instead of forwarding every `everyNth` APPEND (counted
 * across all connections): 'm365' answers `NO Request is throttled. Suggested Backoff Time: N
 * milliseconds`, 'gmail' `NO [THROTTLED] …`, 'unavailable' `NO [UNAVAILABLE] …` (RFC 5530: a
 * subsystem is down), 'bye' sends `* BYE` with the M365 text and closes.
 */
export interface ThrottlePlan {
  everyNth: number;
  style: 'm365' | 'gmail' | 'unavailable' | 'bye';
  backoffMs?: number;
}

export interface CapProxyOptions {
  /** Capabilities taken away from the profile (e.g. MOVE: UIDPLUS without MOVE, as servers that predate RFC 6851 offer), so a test can reach each fallback path. */
  without?: string[];
  throttle?: ThrottlePlan;
  /** Commands answered NO [CANNOT] by the proxy (e.g. /^CREATE /i), as a server refusing a name. */
  refuse?: RegExp;
  /**
   * Gmail's daily upload limit for one user: after `afterAppends` of that user's APPENDs went
   * through, every further one is answered `NO [OVERQUOTA] Account exceeded command or bandwidth
   * limits. (Failure)`, on every connection that user logs in on.
   */
  dailyLimit?: { user: string; afterAppends: number };
}

/** The authentication identity of a SASL PLAIN payload (authzid NUL authcid NUL password). */
const plainUser = (b64: string): string | undefined => Buffer.from(b64, 'base64').toString('utf8').split('\0')[1];

/** The user a LOGIN or a SASL-IR AUTHENTICATE PLAIN line logs in as (what the proxy can see). */
function loginUser(line: string): string | undefined {
  const plain = /^\S+ AUTHENTICATE PLAIN (\S+)/i.exec(line);
  if (plain) return plainUser(plain[1]!);
  const login = /^\S+ LOGIN ("(?:[^"\\]|\\.)*"|\S+) /i.exec(line);
  return login ? login[1]!.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1') : undefined;
}

export async function startCapProxy(upstream: { host: string; port: number }, profile: ProfileName, opts: CapProxyOptions = {}): Promise<CapProxy> {
  const throttledAt: number[] = [];
  const appendsAt: number[] = [];
  let appends = 0;
  let limitedAppends = 0;
  const limited: number[] = [];
  const without = new Set((opts.without ?? []).map((c) => c.toUpperCase()));
  const allowed = new Set(PROFILES[profile].map((c) => c.toUpperCase()).filter((c) => !without.has(c)));
  const has = (c: string) => allowed.has(c);
  const violations: Violation[] = [];
  const commands = new Map<string, number>();
  const sockets = new Set<Socket>();

  const rewriteServerLine = (line: string): string => {
    // CAPABILITY data and [CAPABILITY …] codes.
    line = line.replace(/^(\* CAPABILITY )(.*?)(\r?\n)$/i, (_m, a: string, list: string, e: string) => a + filterCaps(list, allowed) + e);
    line = line.replace(/\[CAPABILITY ([^\]]*)\]/i, (_m, list: string) => `[CAPABILITY ${filterCaps(list, allowed)}]`);
    if (!has('UIDPLUS')) line = line.replace(/\[(APPENDUID|COPYUID)[^\]]*\] ?/i, '');
    if (!has('CONDSTORE')) line = line.replace(/\[(HIGHESTMODSEQ|NOMODSEQ|MODIFIED)[^\]]*\] ?/i, '');
    if (!has('APPENDLIMIT')) line = line.replace(/ APPENDLIMIT=\d+/gi, '');
    if (!has('SPECIAL-USE') && /^\* (LIST|LSUB) \(/i.test(line)) line = line.replace(/^(\* (?:LIST|LSUB) \()([^)]*)\)/i, (_m, a: string, attrs: string) => `${a}${attrs.replace(SPECIAL_USE_ATTRS, '').trim()})`);
    return line;
  };

  /** Which extension a complete command uses that the profile does not offer. */
  const check = (head: string, literals: { size: number; plus: boolean; binary: boolean }[]): string | undefined => {
    const m = /^\S+ (UID )?(\S+)(.*)$/is.exec(head);
    if (!m) return undefined;
    const uid = !!m[1];
    const cmd = m[2]!.toUpperCase();
    const rest = m[3] ?? '';
    commands.set(cmd, (commands.get(cmd) ?? 0) + 1);
    for (const l of literals) {
      if (l.plus && !has('LITERAL+') && !(has('LITERAL-') && l.size <= 4096)) return 'LITERAL+';
      if (l.binary && !has('BINARY')) return 'BINARY';
    }
    if (cmd === 'APPEND' && literals.length > 1 && !has('MULTIAPPEND')) return 'MULTIAPPEND';
    if (cmd === 'APPEND' && /CATENATE/i.test(rest) && !has('CATENATE')) return 'CATENATE';
    if ((cmd === 'MOVE') && !has('MOVE')) return 'MOVE';
    if (cmd === 'ENABLE' && !has('ENABLE')) return 'ENABLE';
    if (cmd === 'COMPRESS' && !has('COMPRESS=DEFLATE')) return 'COMPRESS=DEFLATE';
    if (cmd === 'IDLE' && !has('IDLE')) return 'IDLE';
    if (cmd === 'ID' && !has('ID')) return 'ID';
    if (cmd === 'NAMESPACE' && !has('NAMESPACE')) return 'NAMESPACE';
    if (cmd === 'UNSELECT' && !has('UNSELECT')) return 'UNSELECT';
    if (cmd === 'EXPUNGE' && uid && !has('UIDPLUS')) return 'UIDPLUS';
    if ((cmd === 'GETQUOTAROOT' || cmd === 'GETQUOTA' || cmd === 'SETQUOTA') && !has('QUOTA')) return 'QUOTA';
    if ((cmd === 'SELECT' || cmd === 'EXAMINE') && /\(\s*CONDSTORE/i.test(rest) && !has('CONDSTORE')) return 'CONDSTORE';
    if ((cmd === 'SELECT' || cmd === 'EXAMINE') && /\(\s*QRESYNC/i.test(rest) && !has('QRESYNC')) return 'QRESYNC';
    if (cmd === 'FETCH' && /CHANGEDSINCE|\bMODSEQ\b|VANISHED/i.test(rest) && !has('CONDSTORE')) return 'CONDSTORE';
    if (cmd === 'FETCH' && /BINARY(\.PEEK|\.SIZE)?\[/i.test(rest) && !has('BINARY')) return 'BINARY';
    if (cmd === 'STORE' && /UNCHANGEDSINCE/i.test(rest) && !has('CONDSTORE')) return 'CONDSTORE';
    if (cmd === 'SEARCH' && /\bMODSEQ\b/i.test(rest) && !has('CONDSTORE')) return 'CONDSTORE';
    if (cmd === 'SEARCH' && /^\s*RETURN/i.test(rest) && !has('ESEARCH')) return 'ESEARCH';
    if (cmd === 'STATUS' && /HIGHESTMODSEQ/i.test(rest) && !has('CONDSTORE')) return 'CONDSTORE';
    if (cmd === 'STATUS' && /\bSIZE\b/i.test(rest) && !has('STATUS=SIZE')) return 'STATUS=SIZE';
    if (cmd === 'LIST' && /RETURN\s*\([^)]*STATUS/i.test(rest) && !has('LIST-STATUS')) return 'LIST-STATUS';
    if (cmd === 'LIST' && /RETURN\s*\([^)]*SPECIAL-USE/i.test(rest) && !has('SPECIAL-USE')) return 'SPECIAL-USE';
    if (cmd === 'LIST' && /^\s*\(/.test(rest) && !has('LIST-EXTENDED')) return 'LIST-EXTENDED';
    if (cmd === 'LIST' && /RETURN/i.test(rest) && !has('LIST-EXTENDED') && !has('SPECIAL-USE') && !has('LIST-STATUS')) return 'LIST-EXTENDED';
    if (cmd === 'CREATE' && /\(\s*USE/i.test(rest) && !has('CREATE-SPECIAL-USE')) return 'CREATE-SPECIAL-USE';
    return undefined;
  };

  const server: Server = createServer((client) => {
    sockets.add(client);
    const up = connect({ host: upstream.host, port: upstream.port });
    sockets.add(up);
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on('error', end);
    up.on('error', end);
    client.on('close', end);
    up.on('close', end);

    // ---- server -> client: lines (rewritten) and literals (untouched)
    let sbuf: Buffer = Buffer.alloc(0);
    let sLiteral = 0;
    let passTag: string | undefined; // AUTHENTICATE / IDLE in progress: client lines go through raw
    up.on('data', (chunk: Buffer) => {
      sbuf = sbuf.length ? Buffer.concat([sbuf, chunk]) : chunk;
      const out: Buffer[] = [];
      for (;;) {
        if (sLiteral > 0) {
          const n = Math.min(sLiteral, sbuf.length);
          if (n === 0) break;
          out.push(sbuf.subarray(0, n));
          sbuf = sbuf.subarray(n);
          sLiteral -= n;
          continue;
        }
        const lf = sbuf.indexOf(0x0a);
        if (lf < 0) break;
        const raw = sbuf.subarray(0, lf + 1).toString('latin1');
        sbuf = sbuf.subarray(lf + 1);
        const lit = /\{(\d+)\}\r?\n$/.exec(raw);
        if (lit) sLiteral = Number(lit[1]);
        if (passTag && raw.startsWith(passTag + ' ')) passTag = undefined;
        out.push(Buffer.from(rewriteServerLine(raw), 'latin1'));
      }
      if (out.length) client.write(Buffer.concat(out));
    });

    // ---- client -> server: whole commands, checked, literals forwarded as LITERAL+
    let cbuf: Buffer = Buffer.alloc(0);
    let head = '';
    const parts: Buffer[] = [];
    const literals: { size: number; plus: boolean; binary: boolean }[] = [];
    let need = 0; // literal bytes still to read
    let user: string | undefined; // who logged in on this connection
    let plainNext = false;
    client.on('data', (chunk: Buffer) => {
      cbuf = cbuf.length ? Buffer.concat([cbuf, chunk]) : chunk;
      for (;;) {
        if (need > 0) {
          const n = Math.min(need, cbuf.length);
          if (n === 0) break;
          parts.push(cbuf.subarray(0, n));
          cbuf = cbuf.subarray(n);
          need -= n;
          continue;
        }
        const lf = cbuf.indexOf(0x0a);
        if (lf < 0) break;
        const line = cbuf.subarray(0, lf + 1);
        cbuf = cbuf.subarray(lf + 1);
        if (passTag) {
          // AUTHENTICATE PLAIN without SASL-IR: the payload is the line after the continuation.
          if (plainNext) user ??= plainUser(line.toString('latin1').trim());
          plainNext = false;
          up.write(line);
          continue;
        }
        const text = line.toString('latin1');
        const lit = /(~?)\{(\d+)(\+?)\}\r?\n$/.exec(text);
        if (lit) {
          const size = Number(lit[2]);
          literals.push({ size, plus: lit[3] === '+', binary: lit[1] === '~' });
          head += text;
          parts.push(Buffer.from(text.replace(/(~?)\{(\d+)\+?\}(\r?\n)$/, '$1{$2+}$3'), 'latin1'));
          if (lit[3] !== '+') client.write('+ Ready for literal data\r\n');
          need = size;
          continue;
        }
        head += text;
        parts.push(line);
        // The command is complete.
        const tag = head.split(' ', 1)[0]!;
        const ext = check(head.split(/\r?\n/)[0]!, literals);
        const whole = Buffer.concat(parts);
        head = '';
        parts.length = 0;
        literals.length = 0;
        if (ext) {
          violations.push({ extension: ext, command: whole.subarray(0, 120).toString('latin1').split('\r\n')[0]! });
          client.write(`${tag} BAD [CLIENTBUG] ${ext} is not offered by this server\r\n`);
          continue;
        }
        if (opts.refuse && opts.refuse.test(whole.subarray(0, 2000).toString('latin1').replace(/^\S+ /, ''))) {
          client.write(`${tag} NO [CANNOT] Mailbox name not allowed here\r\n`);
          continue;
        }
        user ??= loginUser(text);
        if (/^\S+ AUTHENTICATE PLAIN\r?\n$/i.test(text)) plainNext = true;
        if (opts.dailyLimit && user === opts.dailyLimit.user && /^\S+ APPEND /i.test(whole.subarray(0, 200).toString('latin1')) && ++limitedAppends > opts.dailyLimit.afterAppends) {
          limited.push(Date.now());
          client.write(`${tag} NO [OVERQUOTA] Account exceeded command or bandwidth limits. (Failure)\r\n`);
          continue;
        }
        if (opts.throttle && /^\S+ APPEND /i.test(whole.subarray(0, 200).toString('latin1'))) {
          const t = opts.throttle;
          if (++appends % t.everyNth === 0) {
            throttledAt.push(Date.now());
            const said = `Request is throttled. Suggested Backoff Time: ${t.backoffMs ?? 2000} milliseconds`;
            if (t.style === 'bye') {
              client.end(`* BYE ${said}\r\n`);
              up.destroy();
              return;
            }
            const answer = { gmail: 'NO [THROTTLED] Account exceeded command or bandwidth limits', unavailable: 'NO [UNAVAILABLE] Mailbox backend temporarily unavailable', m365: `NO ${said}` }[t.style];
            client.write(`${tag} ${answer}\r\n`);
            continue;
          }
          appendsAt.push(Date.now());
        }
        if (/^\S+ (AUTHENTICATE|IDLE)\b/i.test(text)) passTag = tag;
        up.write(whole);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    host: '127.0.0.1',
    port,
    profile,
    violations,
    commands,
    throttledAt,
    appendsAt,
    limited,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
