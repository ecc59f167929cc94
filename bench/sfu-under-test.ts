/** What `bench:sfu` needs of an SFU to drive one publisher and N subscribers through it. */
export interface PublisherOffer {
  sdp: string;
  videoMid: string;
  audioMid: string;
}

export interface SfuUnderTest {
  readonly name: 'ours' | 'janus';
  /** The process to read CPU and RSS of. */
  readonly pid: number;
  /** Full ICE (Janus) wants the browser's candidates in its SDP; an ICE-lite SFU (ours) needs none. */
  readonly wantsCandidates: boolean;
  /** Publishes the browser's offer (one VP8 video, one Opus audio); returns the SFU's answer. */
  publish(offer: PublisherOffer): Promise<string>;
  /** A new subscriber to both published tracks: its id and the SFU's offer. */
  subscribe(): Promise<{ id: string; offer: string }>;
  answer(id: string, sdp: string): Promise<void>;
  unsubscribe(id: string): Promise<void>;
  /** The SFU's own count of RTP packets sent to subscribers, when it has one. */
  ownForwardedPackets(): Promise<number | undefined>;
  close(): Promise<void>;
}
