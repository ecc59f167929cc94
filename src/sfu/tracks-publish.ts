/**
 * The publishing modes of tracks/new: A, the client offers its sending sections (with `autoDiscover`, every
 * unclaimed one is published under a generated name); D, the SFU writes the offer for tracks the client will
 * send, published once it answers.
 */
import { randomUUID } from 'node:crypto';
import type { TrackResult, TracksResponse } from '../protocol/calls.ts';
import type { MediaPeer, OfferedSection } from './engine/peer.ts';
import type { TrackInput } from './schemas.ts';
import type { TrackContext } from './track-table.ts';

/** Mode A: the client's offer carries the tracks. */
export async function publishWithOffer(
  ctx: TrackContext,
  sdp: string,
  items: TrackInput[],
  autoDiscover: boolean,
): Promise<TracksResponse> {
  const { answer, sections } = await ctx.negotiation.applyOffer(sdp);
  const peer = ctx.negotiation.peer!;
  const results: TrackResult[] = [];
  const claimed = new Set<string>();
  for (const item of items) {
    const mid = item.mid;
    const trackName = item.trackName;
    const section = sections.find((s) => s.mid === mid);
    const fail = (errorCode: 'invalid_params' | 'not_found_track_error', errorDescription: string) =>
      results.push({
        ...(trackName !== undefined ? { trackName } : {}),
        mid: '',
        errorCode,
        errorDescription,
      });
    if (!mid || !trackName) {
      fail('invalid_params', 'A local track needs mid and trackName');
      continue;
    }
    if (!section || section.rejected || !sends(section)) {
      fail('invalid_params', `No sending m-section with mid ${mid} in the offer`);
      continue;
    }
    const existing = ctx.publications.get(ctx.sessionId, trackName);
    if (existing && !existing.source.closed && ctx.tracks.get(mid)?.trackName !== trackName) {
      fail('invalid_params', `Track name ${trackName} is already published on this session`);
      continue;
    }
    if (!publishSection(ctx, peer, section, trackName)) {
      fail('invalid_params', `The m-section ${mid} cannot carry a publication`);
      continue;
    }
    claimed.add(mid);
    results.push({ trackName, mid });
  }
  if (autoDiscover) {
    for (const section of sections) {
      if (claimed.has(section.mid) || ctx.tracks.has(section.mid)) continue;
      if (section.rejected || section.kind === 'application' || !sends(section)) continue;
      const trackName = randomUUID();
      if (publishSection(ctx, peer, section, trackName)) results.push({ trackName, mid: section.mid });
    }
  }
  return {
    requiresImmediateRenegotiation: false,
    sessionDescription: { type: 'answer', sdp: answer },
    tracks: results,
  };
}

function sends(section: OfferedSection): boolean {
  return section.direction === 'sendonly' || section.direction === 'sendrecv';
}

function publishSection(
  ctx: TrackContext,
  peer: MediaPeer,
  section: OfferedSection,
  trackName: string,
): boolean {
  const source = peer.source(section.mid);
  if (!source) return false;
  source.declareLayers(section.rids);
  const previous = ctx.tracks.get(section.mid);
  if (previous?.location === 'local' && previous.trackName === trackName && previous.active) return true;
  ctx.tracks.publish(section.mid, trackName, source, section.direction === 'sendrecv');
  return true;
}

/** Mode D: the SFU writes the offer for a track the client will send. */
export async function publishWithoutOffer(ctx: TrackContext, items: TrackInput[]): Promise<TracksResponse> {
  const peer = ctx.negotiation.ensurePeer();
  const pending: { trackName: string; bidirectional: boolean; mid: () => string }[] = [];
  const results: TrackResult[] = [];
  for (const item of items) {
    const kind = item.kind;
    if (!item.trackName || (kind !== 'audio' && kind !== 'video')) {
      results.push({
        ...(item.trackName ? { trackName: item.trackName } : {}),
        mid: '',
        errorCode: 'invalid_params',
        errorDescription: 'A local track without an offer needs trackName and kind (audio or video)',
      });
      continue;
    }
    const bidirectional = item.bidirectionalMediaStream === true;
    const slot = peer.addIncoming(kind, bidirectional);
    pending.push({ trackName: item.trackName, bidirectional, mid: slot.mid });
  }
  if (!pending.length) return { requiresImmediateRenegotiation: false, tracks: results };
  const offer = await ctx.negotiation.offer();
  for (const p of pending) {
    const mid = p.mid();
    ctx.negotiation.expectPublication({ mid, trackName: p.trackName, bidirectional: p.bidirectional });
    results.push({ trackName: p.trackName, mid });
  }
  return {
    requiresImmediateRenegotiation: true,
    sessionDescription: { type: 'offer', sdp: offer },
    tracks: results,
  };
}
