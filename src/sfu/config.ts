/** Settings and limits of the embedded SFU. */
export interface SfuLimits {
  /** How long an operation waits for ICE+DTLS `connected` before answering 425. */
  connectWaitMs: number;
  /** A publication with no RTP for this long is garbage-collected. */
  trackIdleMs: number;
  /** A session that never negotiates is dropped after this long. */
  unusedSessionMs: number;
  /** A session whose transport stays down (disconnected) this long is closed. */
  disconnectGraceMs: number;
  /** A connected session from which nothing at all arrives for this long is closed (a vanished client). */
  silentSessionMs: number;
  /** How long a pull waits for the publication to exist and send its first packet. */
  pullWaitMs: number;
  /** `waitForAck` subscriptions are torn down if no acknowledgement arrives in this time. */
  dataAckWaitMs: number;
  requestsPerSecond: number;
  maxBodyBytes: number;
  maxTracksPerCall: number;
}

export const DEFAULT_LIMITS: SfuLimits = {
  connectWaitMs: 5_000,
  trackIdleMs: 30_000,
  unusedSessionMs: 60_000,
  disconnectGraceMs: 30_000,
  silentSessionMs: 60_000,
  pullWaitMs: 3_000,
  dataAckWaitMs: 30_000,
  requestsPerSecond: 50,
  maxBodyBytes: 512 * 1024,
  maxTracksPerCall: 64,
};

export interface SfuConfig {
  apps: Map<string, string>;
  /** Where the HTTP API listens; an explicit unicast one is also the address the media announces. */
  host: string;
  /** `SFU_ANNOUNCED_IP`: replaces the detected addresses (see `addresses.ts`). */
  announcedIps: string[] | undefined;
  rtpPortRange: [number, number] | undefined;
  maxPublisherBitrate: number;
  limits: SfuLimits;
}
