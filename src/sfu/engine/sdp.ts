/**
 * Pure SDP work on the engine's descriptions: reading what an offer or answer holds, refusing what cannot be
 * a description, answering rejected sections as rejected, and writing our own host candidates.
 */
import * as sdpTransform from 'sdp-transform';
import type { MediaKind } from './media.ts';

/** One m-section of a client offer, as the session layer needs to know it. */
export interface OfferedSection {
  mid: string;
  kind: MediaKind | 'application';
  /** The client's direction: `sendonly`/`sendrecv` sections carry a publication. */
  direction: 'sendonly' | 'recvonly' | 'sendrecv' | 'inactive';
  rejected: boolean;
  rids: string[];
}

/** A host candidate: the address announced and the local address its socket binds. */
export interface HostAddress {
  announce: string;
  bind: string;
}

export function describeSections(sdp: string): OfferedSection[] {
  const parsed = sdpTransform.parse(sdp);
  return parsed.media.map((m, i) => {
    const kind: OfferedSection['kind'] = m.type === 'audio' || m.type === 'video' ? m.type : 'application';
    const direction = m.direction ?? 'sendrecv';
    return {
      mid: m.mid !== undefined ? String(m.mid) : String(i),
      kind,
      direction,
      rejected: isRejected(m),
      rids: (m.rids ?? []).filter((r) => r.direction === 'send').map((r) => String(r.id)),
    };
  });
}

/**
 * Port 0 rejects an m-section, except with `a=bundle-only`: Firefox (max-bundle) offers every m-section but
 * the first with port 0 and bundle-only, and means them to be live on the BUNDLE transport (RFC 8843).
 */
export function isRejected(m: { port: number; bundleOnly?: string }): boolean {
  return m.port === 0 && !m.bundleOnly;
}

/** werift takes nearly any text as a description and then fails the transport, closing the session:
 * refuse what cannot be one before it gets there. */
export function usableSections(sdp: string, what: 'offer' | 'answer'): OfferedSection[] {
  if (!/^v=0\r?\n/.test(sdp)) throw new Error(`the ${what} is not SDP (it must start with v=0)`);
  const sections = describeSections(sdp);
  if (!sections.length) throw new Error(`the ${what} has no m= section`);
  if (!/^a=ice-ufrag:/m.test(sdp) || !/^a=ice-pwd:/m.test(sdp)) {
    throw new Error(`the ${what} has no ICE credentials (a=ice-ufrag, a=ice-pwd)`);
  }
  if (!/^a=fingerprint:/m.test(sdp)) throw new Error(`the ${what} has no DTLS fingerprint (a=fingerprint)`);
  return sections;
}

/**
 * werift answers an m-section the client stopped (port 0) as if it were live and keeps it in the BUNDLE
 * group, which Chrome refuses. The answer must reject what the offer rejected and bundle only what the offer
 * bundles.
 */
export function rejectLikeOffer(answer: string, offer: string): string {
  const o = sdpTransform.parse(offer);
  const rejected = new Set(o.media.filter(isRejected).map((m) => String(m.mid)));
  const offered = new Set(
    (o.groups ?? [])
      .filter((g) => g.type === 'BUNDLE')
      .flatMap((g) => String(g.mids).split(' '))
      .filter((mid) => !rejected.has(mid)),
  );
  const a = sdpTransform.parse(answer);
  if (
    !rejected.size &&
    !(a.groups ?? []).some(
      (g) =>
        g.type === 'BUNDLE' &&
        String(g.mids)
          .split(' ')
          .some((m) => !offered.has(m)),
    )
  ) {
    return answer;
  }
  for (const m of a.media) {
    if (!rejected.has(String(m.mid))) continue;
    m.port = 0;
    m.direction = 'inactive';
    delete m.candidates;
    delete m.ssrcs;
    delete m.ssrcGroups;
    delete m.msid;
  }
  a.groups = (a.groups ?? []).map((g) =>
    g.type === 'BUNDLE'
      ? {
          ...g,
          mids: String(g.mids)
            .split(' ')
            .filter((mid) => offered.has(mid))
            .join(' '),
        }
      : g,
  );
  return sdpTransform.write(a);
}

/** The header extension ids the descriptions already use, by URI (the first description's win). */
export function extensionIds(...sdps: (string | undefined)[]): Map<string, number> {
  const ids = new Map<string, number>();
  for (const sdp of sdps) {
    if (!sdp) continue;
    for (const m of sdpTransform.parse(sdp).media) {
      for (const e of m.ext ?? []) if (!ids.has(e.uri)) ids.set(e.uri, e.value);
    }
  }
  return ids;
}

/**
 * Writes our host candidates in place of werift's: one per announced address, in the configured order with
 * falling priorities, on the port of the socket bound for it. Also says at session level that the SFU is
 * an ICE-lite agent: Chrome answering an offer that says it only per m= section starts as the controlled
 * agent, gets "487 Role Conflict" and nominates only after switching roles, ~110 ms later.
 */
export function announce(sdp: string, addresses: readonly HostAddress[]): string {
  const out: string[] = [];
  let ports = new Map<string, string>();
  let pending = -1;
  const flush = () => {
    if (pending < 0) return;
    out.splice(pending, 0, ...candidateLines(addresses, ports));
    pending = -1;
  };
  for (const line of withIceLite(sdp).split('\r\n')) {
    if (line.startsWith('m=')) {
      flush();
      ports = new Map();
    }
    if (line.startsWith('a=candidate:')) {
      const parts = line.split(' ');
      if (parts[2]?.toLowerCase() === 'udp' && parts[7] === 'host') ports.set(parts[4]!, parts[5]!);
      if (pending < 0) pending = out.length;
      continue;
    }
    out.push(line);
  }
  flush();
  return out.join('\r\n');
}

/** Host candidates for `addresses`, most preferred first (RFC 8445 §5.1.2: type 126, falling local preference). */
export function candidateLines(
  addresses: readonly HostAddress[],
  ports: ReadonlyMap<string, string>,
): string[] {
  const lines: string[] = [];
  addresses.forEach(({ announce, bind }, i) => {
    const port = ports.get(bind);
    if (port === undefined) return; // its socket could not bind
    const priority = 126 * 2 ** 24 + (65535 - i) * 2 ** 8 + 255;
    lines.push(`a=candidate:${i + 1} 1 udp ${priority} ${announce} ${port} typ host`);
  });
  return lines;
}

/** `a=ice-lite` at session level, before the first m= line (werift writes it in each m= section only). */
export function withIceLite(sdp: string): string {
  const i = sdp.indexOf('\r\nm=');
  if (i < 0 || /\r\na=ice-lite\r\n/.test(sdp.slice(0, i + 2))) return sdp;
  return `${sdp.slice(0, i)}\r\na=ice-lite${sdp.slice(i)}`;
}
