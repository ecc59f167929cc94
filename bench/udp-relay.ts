/**
 * A user-space lossy link for `LOSS=` runs of bench:sfu (the kernel here has no netem). Each SFU candidate the
 * subscriber is offered is rewritten to point at a relay socket on the same address; the relay forwards each
 * browser's packets to the SFU from a socket of its own per browser, and the SFU's replies back.
 *
 * SFU → subscriber (media, RTX, SRTCP, STUN replies): each packet dropped with probability `lossPct` %, the rest
 * delayed by `delayMs`. Subscriber → SFU (NACKs, receiver reports, STUN checks): delayed by `delayMs`, never
 * dropped, so the round trip is 2 × delayMs and every loss the subscribers see is the downlink's.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface LinkShape {
  lossPct: number;
  delayMs: number;
}

export interface RelayCounters {
  /** Packets from the SFU towards subscribers, and how many of them were dropped. */
  down: number;
  dropped: number;
  up: number;
}

export class SdpRewriteError extends Error {}

class UdpRelay {
  private readonly backs = new Map<string, Socket>();
  private closed = false;

  private constructor(
    private readonly front: Socket,
    private readonly upstream: { address: string; port: number },
    private readonly shape: LinkShape,
    private readonly counters: RelayCounters,
  ) {
    front.on('message', (msg, from) => this.fromBrowser(msg, from));
  }

  static async start(
    upstream: { address: string; port: number },
    shape: LinkShape,
    counters: RelayCounters,
  ): Promise<UdpRelay> {
    const front = await bound(upstream.address);
    front.on('error', () => undefined); // e.g. a browser gone: its packets are lost, as on a real link
    return new UdpRelay(front, upstream, shape, counters);
  }

  get port(): number {
    return this.front.address().port;
  }

  close(): void {
    this.closed = true;
    this.front.close();
    for (const s of this.backs.values()) s.close();
    this.backs.clear();
  }

  private fromBrowser(msg: Buffer, from: RemoteInfo): void {
    const key = `${from.address}:${from.port}`;
    let back = this.backs.get(key);
    if (!back) {
      back = createSocket(this.upstream.address.includes(':') ? 'udp6' : 'udp4');
      back.bind(0, this.upstream.address);
      back.on('message', (reply) => this.fromSfu(reply, from));
      back.on('error', () => undefined); // a closed relay; the bench reports what the browsers saw
      this.backs.set(key, back);
    }
    this.counters.up++;
    const socket = back;
    setTimeout(() => {
      if (!this.closed) socket.send(msg, this.upstream.port, this.upstream.address);
    }, this.shape.delayMs);
  }

  private fromSfu(msg: Buffer, to: RemoteInfo): void {
    this.counters.down++;
    if (Math.random() * 100 < this.shape.lossPct) {
      this.counters.dropped++;
      return;
    }
    setTimeout(() => {
      if (!this.closed) this.front.send(msg, to.port, to.address);
    }, this.shape.delayMs);
  }
}

/** All relays of one run: one per SFU candidate address, made as offers name them. */
export class LossyLink {
  readonly counters: RelayCounters = { down: 0, dropped: 0, up: 0 };
  private readonly relays = new Map<string, Promise<UdpRelay>>();

  constructor(readonly shape: LinkShape) {}

  /** The SFU's offer with each UDP candidate pointing at its relay (TCP candidates removed). */
  async rewriteOffer(sdp: string): Promise<string> {
    const lines = sdp.split('\r\n');
    const out: string[] = [];
    for (const line of lines) {
      if (!line.startsWith('a=candidate:')) {
        out.push(line);
        continue;
      }
      const f = line.split(' ');
      const [transport, address, port] = [f[2]?.toLowerCase(), f[4], Number(f[5])];
      if (transport !== 'udp') continue;
      if (!address || !Number.isInteger(port) || port <= 0)
        throw new SdpRewriteError(`unreadable candidate: ${line}`);
      const key = `${address}:${port}`;
      let relay = this.relays.get(key);
      if (!relay) {
        relay = UdpRelay.start({ address, port }, this.shape, this.counters);
        this.relays.set(key, relay);
      }
      f[5] = String((await relay).port);
      out.push(f.join(' '));
    }
    return out.join('\r\n');
  }

  close(): void {
    for (const r of this.relays.values()) void r.then((x) => x.close());
    this.relays.clear();
  }
}

function bound(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    s.once('error', reject);
    s.bind(0, address, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}
