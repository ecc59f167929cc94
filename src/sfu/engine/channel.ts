/**
 * SCTP data channels as the session layer sees them: a `DataPipe` over a werift channel.
 */
import type { RTCDataChannel, RTCPeerConnection } from 'werift';

export interface DataChannelOptions {
  id: number;
  label: string;
  ordered?: boolean | undefined;
  maxRetransmits?: number | undefined;
  maxPacketLifeTime?: number | undefined;
}

export type DataMessage = string | Buffer;

/** One SCTP data channel on a peer. */
export interface DataPipe {
  readonly id: number;
  readonly state: 'connecting' | 'open' | 'closing' | 'closed';
  send(message: DataMessage): void;
  onMessage(listener: (message: DataMessage) => void): void;
  onOpen(listener: () => void): void;
  close(): void;
}

/** A pre-negotiated channel (`negotiated: true`, both sides agree on the id). */
export function openNegotiated(pc: RTCPeerConnection, options: DataChannelOptions): DataPipe {
  const channel = pc.createDataChannel(options.label, {
    negotiated: true,
    id: options.id,
    ordered: options.ordered ?? true,
    ...(options.maxRetransmits !== undefined ? { maxRetransmits: options.maxRetransmits } : {}),
    ...(options.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: options.maxPacketLifeTime } : {}),
  });
  return wrapChannel(channel);
}

export function wrapChannel(channel: RTCDataChannel): DataPipe {
  return {
    get id() {
      return channel.id;
    },
    get state() {
      return channel.readyState;
    },
    send(message) {
      if (channel.readyState === 'open') channel.send(message);
    },
    onMessage(listener) {
      channel.onMessage.subscribe((data) => listener(data));
    },
    onOpen(listener) {
      if (channel.readyState === 'open') listener();
      else channel.stateChanged.subscribe((s) => s === 'open' && listener());
    },
    close() {
      channel.close();
    },
  };
}
