/**
 * Workarounds for werift 0.24, each a function of the peer connection it patches, so the peer itself reads
 * as WebRTC. Every one names the failure it prevents.
 */
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { createRequire } from 'node:module';
import { isIPv4 } from 'node:net';
import type { RTCPeerConnection, RTCRtpTransceiver } from 'werift';
import type { OfferedSection } from './sdp.ts';

/**
 * werift's own TWCC feedback is per receiver and wrong for a bundled transport (see feedback.ts); it is set
 * up while a remote description is applied, so it is switched off as each transceiver appears. Its
 * `twccEnabled` getter also sorts the codec list on every packet; with our own feedback it is off.
 */
export function disableReceiverTwcc(pc: RTCPeerConnection): void {
  const off = (t: RTCRtpTransceiver) =>
    Object.defineProperties(t.receiver, {
      setupTWCC: { value: () => undefined, configurable: true },
      twccEnabled: { get: () => undefined, configurable: true },
    });
  pc.onTransceiverAdded.subscribe(off);
  pc.onRemoteTransceiverAdded.subscribe(off);
}

/**
 * Answer `setup:passive`: the browser drives the DTLS handshake as client. werift's own client flights stall
 * under CPU load (retransmitted until they give up), Chrome's do not.
 */
export function answerAsDtlsServer(pc: RTCPeerConnection): void {
  for (const dtls of pc.dtlsTransports) if (dtls.role === 'auto') dtls.role = 'server';
}

/**
 * werift starts SCTP only while it connects the transport; an m=application added by a later exchange on a
 * connected session would never start, and its first queued channel crashes werift (an id of undefined).
 */
export function startAddedSctp(pc: RTCPeerConnection): void {
  const sctp = pc.sctpTransport as unknown as { dataChannelId?: number } | undefined;
  if (!sctp || sctp.dataChannelId !== undefined || pc.connectionState !== 'connected') return;
  const manager = (pc as unknown as { sctpManager: { connectSctp(): Promise<void> } }).sctpManager;
  manager.connectSctp().catch(() => undefined);
}

/**
 * Later SFU offers must repeat a published section's simulcast layers (`a=rid:… recv`, `a=simulcast`):
 * werift writes them into offers only from the transceiver's options, and a browser answering an offer
 * without them drops the track to a single encoding.
 */
export function keepSimulcast(pc: RTCPeerConnection, sections: readonly OfferedSection[]): void {
  for (const section of sections) {
    if (!section.rids.length) continue;
    const t = pc.getTransceivers().find((x) => x.mid === section.mid);
    if (!t || t.options.simulcast?.length) continue;
    t.options.simulcast = section.rids.map((rid) => ({ rid, direction: 'recv' as const }));
  }
}

/** The part of werift's ICE `Connection` that `bindEachAddress` wraps (werift 0.24, private there). */
export interface WeriftGathering {
  options: { interfaceAddresses?: { udp4?: string; udp6?: string } | undefined };
  getCandidatePromises(addresses: string[], timeout?: number): Promise<unknown>[];
}

const bound = new WeakSet<object>();

/**
 * werift binds every host candidate's socket to the wildcard address. On a machine with several addresses
 * the kernel then answers a check to one address from another, and browsers drop such a response: each
 * socket must bind the address it is announced for. werift takes one bind address per family for all of
 * its sockets, so gathering is done one address at a time, each with its own. Once per connection.
 */
export function bindEachAddress(connection: WeriftGathering): void {
  if (bound.has(connection)) return;
  bound.add(connection);
  const gather = connection.getCandidatePromises.bind(connection);
  connection.getCandidatePromises = (addresses, timeout) =>
    addresses.flatMap((address) => {
      const saved = connection.options.interfaceAddresses;
      // Read synchronously when the socket is created, before gathering's first await.
      connection.options.interfaceAddresses = isIPv4(address) ? { udp4: address } : { udp6: address };
      try {
        return gather([address], timeout);
      } finally {
        connection.options.interfaceAddresses = saved;
      }
    });
}

/** `bindEachAddress` for every ICE transport of `pc` (a description may have created one). */
export function bindEachAddressOf(pc: RTCPeerConnection): void {
  for (const ice of pc.iceTransports) bindEachAddress(ice.connection as unknown as WeriftGathering);
}

/** The part of tweetnacl that werift's DTLS uses for X25519. */
interface NaclX25519 {
  box: { keyPair: () => { publicKey: Uint8Array; secretKey: Uint8Array } };
  scalarMult: (n: Uint8Array, p: Uint8Array) => Uint8Array;
}

/** DER prefixes of a raw 32-byte X25519 key (RFC 8410): PKCS#8 private, SPKI public. */
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

/** tweetnacl as werift loads it (its own dependency, one module instance per process). */
export function weriftNacl(): NaclX25519 {
  const fromHere = createRequire(import.meta.url);
  return createRequire(fromHere.resolve('werift'))('tweetnacl') as NaclX25519;
}

let nativeDone = false;

/**
 * werift's DTLS does its ECDHE on X25519 (the group Chrome and Firefox offer first) with tweetnacl, in
 * JavaScript: a key pair and a shared secret per handshake, about 10 ms of CPU on the join's critical path
 * (several times that on a busy machine). Node's native X25519 computes the same values 3-5x faster.
 * werift imports tweetnacl as a package, so its two X25519 functions are swapped for native ones, once per
 * process; the results are identical (RFC 7748), the checks on sizes too.
 */
export function nativeX25519(nacl: NaclX25519 = weriftNacl()): void {
  if (nativeDone) return;
  nativeDone = true;
  nacl.box.keyPair = () => {
    const { publicKey, privateKey } = generateKeyPairSync('x25519');
    // Own 32-byte buffers: werift reads the keys through `.buffer`.
    return {
      publicKey: new Uint8Array(
        publicKey.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI.length),
      ),
      secretKey: new Uint8Array(
        privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(X25519_PKCS8.length),
      ),
    };
  };
  nacl.scalarMult = (n, p) => {
    if (n.length !== 32) throw new Error('bad n size');
    if (p.length !== 32) throw new Error('bad p size');
    let privateKey: KeyObject;
    let publicKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8, n]), format: 'der', type: 'pkcs8' });
      publicKey = createPublicKey({ key: Buffer.concat([X25519_SPKI, p]), format: 'der', type: 'spki' });
      return new Uint8Array(diffieHellman({ privateKey, publicKey }));
    } catch {
      // A small-order point: tweetnacl returns zeros here (the handshake then fails its Finished check).
      return new Uint8Array(32);
    }
  };
}
