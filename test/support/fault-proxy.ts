import { createServer, connect, type Server, type Socket } from 'node:net';

// A TCP proxy on loopback between mailshift and a real server, that misbehaves on purpose the
// way bad links and busy providers do: it cuts a connection after some bytes, stalls, delays,
// resets, or refuses new connections for a while. Counts what happened so a test can assert
// the faults really landed.

export interface FaultPlan {
  /** Cut each connection after this many bytes from the client (a [min, max] range is drawn per connection). */
  cutAfterClientBytes?: number | [number, number];
  /**
   * Cut whichever connection carries the client's traffic past the next mark, counted over all
   * connections (a [min, max] range drawn after each cut): for servers that open a connection per
   * request (Radicale), where a per-connection count would never be reached.
   */
  cutEveryClientBytes?: [number, number];
  /** Stop forwarding (but keep the socket open) after this many client bytes: a stall. */
  stallAfterClientBytes?: number;
  /** Delay every chunk in both directions by this many ms. */
  delayMs?: number;
  /** Destroy with RST instead of a clean close when cutting. */
  reset?: boolean;
  /**
   * Cut the connection instead of forwarding a server chunk that matches, the first `times` times
   * (counted over all connections): the command was carried out but its answer was lost, e.g. an
   * APPEND that landed while the client never saw its OK [APPENDUID].
   */
  cutOnServerText?: { pattern: RegExp; times: number };
  /**
   * Capabilities taken out of what the server advertises (e.g. COMPRESS=DEFLATE, so that its
   * answers stay readable to cutOnServerText). Capability lines come in one chunk on loopback.
   */
  hideCapabilities?: string[];
}

export interface FaultProxy {
  port: number;
  plan: FaultPlan;
  /** `open`: connections open now; `peakOpen`: the most open at once (what the server's connection limit sees). */
  stats: { connections: number; cuts: number; stalls: number; refused: number; open: number; peakOpen: number; serverCuts: number };
  /** Refuse (close at once) new connections for `ms`. */
  refuseFor(ms: number): void;
  close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number, plan: FaultPlan = {}, random: () => number = Math.random): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const stats = { connections: 0, cuts: 0, stalls: 0, refused: 0, open: 0, peakOpen: 0, serverCuts: 0 };
  let refuseUntil = 0;
  // Client bytes over all connections, and where the next all-connections cut comes.
  let total = 0;
  let nextTotalCut = Infinity;
  const drawTotalCut = () => {
    const c = proxy.plan.cutEveryClientBytes;
    nextTotalCut = c ? total + Math.floor(c[0] + random() * (c[1] - c[0])) : Infinity;
  };
  const proxy: FaultProxy = {
    port: 0,
    plan,
    stats,
    refuseFor(ms) {
      refuseUntil = Date.now() + ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const drawCut = () => {
    const c = proxy.plan.cutAfterClientBytes;
    if (c === undefined) return Infinity;
    if (typeof c === 'number') return c;
    return Math.floor(c[0] + random() * (c[1] - c[0]));
  };
  const server: Server = createServer((client) => {
    if (nextTotalCut === Infinity) drawTotalCut();
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (Date.now() < refuseUntil) {
      stats.refused++;
      client.destroy();
      return;
    }
    stats.connections++;
    stats.peakOpen = Math.max(stats.peakOpen, ++stats.open);
    // Closed as soon as either end has closed: the server ending it (after LOGOUT) frees its slot
    // there at once, even though this side's socket only reports 'close' a turn of the loop later.
    let counted = true;
    const ended = () => void (counted && ((counted = false), stats.open--));
    client.once('close', ended);
    const upstream = connect(targetPort, '127.0.0.1');
    upstream.once('close', ended);
    sockets.add(upstream);
    upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    const cutAt = drawCut();
    let fromClient = 0;
    let stalled = false;
    const later = (fn: () => void) => (proxy.plan.delayMs ? setTimeout(fn, proxy.plan.delayMs) : fn());
    client.on('data', (d: Buffer) => {
      if (stalled) return;
      fromClient += d.length;
      const stallAt = proxy.plan.stallAfterClientBytes;
      if (stallAt !== undefined && fromClient > stallAt) {
        stalled = true;
        stats.stalls++;
        return;
      }
      total += d.length;
      const overTotal = !!proxy.plan.cutEveryClientBytes && total > nextTotalCut;
      if (fromClient > cutAt || overTotal) {
        stats.cuts++;
        const keep = overTotal ? d.subarray(0, Math.max(0, d.length - (total - nextTotalCut))) : d.subarray(0, Math.max(0, d.length - (fromClient - cutAt)));
        if (overTotal) drawTotalCut();
        if (keep.length) upstream.write(keep);
        if (proxy.plan.reset) (client.resetAndDestroy(), upstream.resetAndDestroy());
        else (client.destroy(), upstream.destroy());
        return;
      }
      later(() => upstream.write(d));
    });
    upstream.on('data', (chunk: Buffer) => {
      let d = chunk;
      const hide = proxy.plan.hideCapabilities;
      if (hide?.length && /CAPABILITY/i.test(d.toString('latin1'))) {
        let text = d.toString('latin1');
        for (const c of hide) text = text.replace(new RegExp(` ${c.replace(/[^\w]/g, '\\$&')}(?=[ \\]\r])`, 'gi'), '');
        d = Buffer.from(text, 'latin1');
      }
      const cut = proxy.plan.cutOnServerText;
      if (cut && stats.serverCuts < cut.times && cut.pattern.test(d.toString('latin1'))) {
        stats.serverCuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      if (!stalled) later(() => client.write(d));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as { port: number }).port;
  return proxy;
}
