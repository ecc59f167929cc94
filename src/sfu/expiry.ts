/** When a session or a publication has outlived its use: pure rules over time and the limits. */
import type { SfuLimits } from './config.ts';

/** What the expiry rules know of a session's connection. */
export interface ConnectionFacts {
  createdAt: number;
  /** ICE+DTLS came up at least once. */
  connectedOnce: boolean;
  /** When the client last sent anything; 0 before the transport is up. */
  lastInboundAt: number;
  /** Since when the transport is disconnected; 0 while it is not. */
  disconnectedSince: number;
}

export type SessionExpiry = 'unused' | 'silent' | 'disconnected';

type ExpiryLimits = Pick<SfuLimits, 'unusedSessionMs' | 'silentSessionMs' | 'disconnectGraceMs'>;

/** Why the session should close now, if it should. */
export function sessionExpiry(
  facts: ConnectionFacts,
  now: number,
  limits: ExpiryLimits,
): SessionExpiry | undefined {
  // Unused: never negotiated, or negotiated but never connected (the client went away mid-setup).
  if (!facts.connectedOnce && now - facts.createdAt > limits.unusedSessionMs) return 'unused';
  if (facts.lastInboundAt && now - facts.lastInboundAt > limits.silentSessionMs) return 'silent';
  if (facts.disconnectedSince && now - facts.disconnectedSince > limits.disconnectGraceMs)
    return 'disconnected';
  return undefined;
}

/** A publication idle for longer than `trackIdleMs`: its clock starts at publishing, not at the session. */
export function publicationIdle(
  publication: { publishedAt: number; source: { lastPacketAt: number } },
  now: number,
  trackIdleMs: number,
): boolean {
  const last = publication.source.lastPacketAt || publication.publishedAt;
  return now - last > trackIdleMs;
}
