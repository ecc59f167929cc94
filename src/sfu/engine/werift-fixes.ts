/**
 * Workarounds for werift 0.24, each a function of the peer connection it patches, so the peer itself reads
 * as WebRTC. Every one names the failure it prevents.
 */
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
