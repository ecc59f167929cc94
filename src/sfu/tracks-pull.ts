/**
 * The pulling modes of tracks/new and tracks/update: B, the SFU offers a section per pull (or, with
 * `mid: "#name"`, feeds the send side of the session's own bidirectional section); C (WHEP style), the
 * client offers recvonly sections matched to the pulls; and update, pointing a pulled section at another
 * publication or simulcast layer.
 */
import type { TrackResult, TracksResponse, UpdateTracksResponse } from '../protocol/calls.ts';
import type { MediaSink } from './engine/sink.ts';
import { CallsError, badParams } from './errors.ts';
import type { Publication } from './publications.ts';
import type { TrackInput } from './schemas.ts';
import { preference, type TrackContext } from './track-table.ts';

/** Mode B: pulls answered by an SFU offer. */
export async function pullWithSfuOffer(ctx: TrackContext, items: TrackInput[]): Promise<TracksResponse> {
  const peer = ctx.negotiation.ensurePeer();
  const resolved = await Promise.all(items.map((item) => resolvePull(ctx, item)));
  const results: TrackResult[] = [];
  const added: { item: TrackInput; publication: Publication; mid: () => string; sink: MediaSink }[] = [];
  for (const [i, r] of resolved.entries()) {
    const item = items[i]!;
    if ('error' in r) {
      results.push({ ...echo(item), mid: '', errorCode: r.error.code, errorDescription: r.error.message });
      continue;
    }
    if (item.mid?.startsWith('#')) {
      // Into the send side of my own bidirectional transceiver: no renegotiation.
      const local = ctx.tracks.localNamed(item.mid.slice(1));
      const sink = local ? peer.sinkForBidirectional(local.mid) : undefined;
      if (!local || !sink || sink.kind !== r.publication.kind) {
        results.push({
          ...echo(item),
          mid: '',
          errorCode: 'invalid_params',
          errorDescription: `No bidirectional ${r.publication.kind} transceiver carries local track ${item.mid.slice(1)}`,
        });
        continue;
      }
      sink.ready = true;
      sink.attach(r.publication.source, preference(item.simulcast));
      results.push({ ...echo(item), mid: local.mid });
      continue;
    }
    const slot = peer.addOutgoing(r.publication.kind, {
      codec: r.publication.source.codec,
      streamId: r.publication.sessionId,
      trackId: r.publication.trackName,
    });
    added.push({ item, publication: r.publication, mid: slot.mid, sink: slot.sink });
    results.push({ ...echo(item), mid: '' });
  }
  if (!added.length) return { requiresImmediateRenegotiation: false, tracks: results };
  const offer = await ctx.negotiation.offer();
  for (const a of added) {
    const mid = a.mid();
    ctx.tracks.pull(mid, a.publication, a.sink, a.item.simulcast);
    const result = results.find(
      (r) =>
        r.mid === '' && !r.errorCode && r.trackName === a.item.trackName && r.sessionId === a.item.sessionId,
    );
    if (result) result.mid = mid;
  }
  return {
    requiresImmediateRenegotiation: true,
    sessionDescription: { type: 'offer', sdp: offer },
    tracks: results,
  };
}

/** Mode C (WHEP style): the client offers recvonly sections, matched in order to the pulls. */
export async function pullWithOffer(
  ctx: TrackContext,
  sdp: string,
  items: TrackInput[],
): Promise<TracksResponse> {
  const resolved = await Promise.all(items.map((item) => resolvePull(ctx, item)));
  const results: TrackResult[] = [];
  const { answer } = await ctx.negotiation.applyOffer(sdp, (peer, sections) => {
    const free = sections.filter(
      (s) => !s.rejected && s.direction === 'recvonly' && s.kind !== 'application' && !ctx.tracks.has(s.mid),
    );
    for (const [i, r] of resolved.entries()) {
      const item = items[i]!;
      if ('error' in r) {
        results.push({ ...echo(item), mid: '', errorCode: r.error.code, errorDescription: r.error.message });
        continue;
      }
      const at = free.findIndex((s) => (item.mid ? s.mid === item.mid : s.kind === r.publication.kind));
      const section = at >= 0 ? free.splice(at, 1)[0] : undefined;
      // Making the transceiver send before the answer is written gives the section direction sendonly.
      const sink = section ? peer.sinkForBidirectional(section.mid) : undefined;
      if (!section || !sink) {
        results.push({
          ...echo(item),
          mid: '',
          errorCode: 'invalid_params',
          errorDescription: 'No free recvonly m-section in the offer for this track',
        });
        continue;
      }
      sink.ready = true;
      ctx.tracks.pull(section.mid, r.publication, sink, item.simulcast);
      results.push({ ...echo(item), mid: section.mid });
    }
  });
  return {
    requiresImmediateRenegotiation: false,
    sessionDescription: { type: 'answer', sdp: answer },
    tracks: results,
  };
}

/** tracks/update: another publication of the same kind, or other simulcast preferences. */
export async function updatePulls(ctx: TrackContext, items: TrackInput[]): Promise<UpdateTracksResponse> {
  const tracks: TrackResult[] = [];
  for (const item of items) {
    const fail = (
      errorCode: 'invalid_params' | 'update_track_error' | 'not_found_track_error',
      errorDescription: string,
    ) => tracks.push({ ...echo(item), mid: item.mid ?? '', errorCode, errorDescription });
    if (item.location !== 'remote' || !item.mid) {
      fail('invalid_params', 'tracks/update takes remote tracks with the mid of this session');
      continue;
    }
    const record = ctx.tracks.get(item.mid);
    if (!record || record.location !== 'remote' || !record.active) {
      fail('update_track_error', `No active pulled track on mid ${item.mid}`);
      continue;
    }
    const sessionId = item.sessionId ?? record.sessionId;
    const trackName = item.trackName ?? record.trackName;
    if (sessionId !== record.sessionId || trackName !== record.trackName) {
      // Point the transceiver at another publication of the same kind.
      const found = await resolvePull(ctx, { ...item, sessionId, trackName });
      if ('error' in found) {
        fail(
          found.error.code === 'invalid_params' ? 'invalid_params' : 'not_found_track_error',
          found.error.message,
        );
        continue;
      }
      if (found.publication.kind !== record.sink.kind) {
        fail(
          'update_track_error',
          `Track ${trackName} is ${found.publication.kind}, the transceiver is ${record.sink.kind}`,
        );
        continue;
      }
      record.sink.attach(found.publication.source, preference(item.simulcast ?? record.simulcast));
      record.sessionId = sessionId;
      record.trackName = trackName;
      record.simulcast = item.simulcast ?? record.simulcast;
    } else if (item.simulcast) {
      if (!record.sink.source?.simulcast) {
        fail('update_track_error', `Track ${trackName} is not published with simulcast`);
        continue;
      }
      record.simulcast = item.simulcast;
      record.sink.setPreference(preference(item.simulcast));
    }
    tracks.push({
      location: 'remote',
      mid: item.mid,
      sessionId,
      trackName,
      ...(record.simulcast ? { simulcast: record.simulcast } : {}),
    });
  }
  return { requiresImmediateRenegotiation: false, tracks };
}

async function resolvePull(
  ctx: TrackContext,
  item: TrackInput,
): Promise<{ publication: Publication } | { error: CallsError }> {
  if (!item.sessionId || !item.trackName) {
    return { error: badParams('A remote track needs sessionId and trackName') };
  }
  try {
    const publication = await ctx.publications.find(
      ctx.appId,
      item.sessionId,
      item.trackName,
      ctx.limits.pullWaitMs,
    );
    return { publication };
  } catch (e) {
    if (e instanceof CallsError) return { error: e };
    throw e;
  }
}

function echo(item: TrackInput): TrackResult {
  return {
    location: 'remote',
    ...(item.sessionId !== undefined ? { sessionId: item.sessionId } : {}),
    ...(item.trackName !== undefined ? { trackName: item.trackName } : {}),
  };
}
