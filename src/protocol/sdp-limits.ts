/**
 * How much SDP one request may hand the media engine, checked by the backend's proxy and by the embedded SFU
 * before anything parses it: each m-section costs the engine a transceiver (milliseconds of work and memory
 * held while the session lives), so an offer of hundreds of them stalls every other call on the server.
 */
import { MAX_TRACKS_PER_CALL } from './calls.ts';

export const SDP_LIMITS = {
  /** Characters in one session description. */
  maxChars: 256 * 1024,
  /** Characters in one line (a BUNDLE group of 256 numeric mids is ~1,000). */
  maxLineChars: 4096,
  /** Lines in one session description (a browser's offer has ~100 per video m-section). */
  maxLines: 16_384,
  /**
   * m-sections in one description. A session keeps every m-section it ever negotiated, so a participant who
   * pulls from a full room carries more than one call's 64 tracks; this bounds the whole session.
   */
  maxMediaSections: 256,
  /** m-sections one description may add to a session: one call's tracks, plus the data channels' section. */
  maxNewMediaSections: MAX_TRACKS_PER_CALL + 1,
} as const;

/** The mid of each m-section, in order (`undefined` where a section has none). */
export function mediaSectionMids(sdp: string): (string | undefined)[] {
  const mids: (string | undefined)[] = [];
  for (const raw of sdp.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('m=')) mids.push(undefined);
    else if (line.startsWith('a=mid:') && mids.length > 0 && mids[mids.length - 1] === undefined)
      mids[mids.length - 1] = line.slice('a=mid:'.length);
  }
  return mids;
}

/**
 * Why this description is too big for one request, or `undefined` when it is within `SDP_LIMITS`. With
 * `knownMids` (the m-sections the session already has, which the SFU knows and the proxy does not) it also
 * bounds how many m-sections the description adds.
 */
export function sdpLimitProblem(sdp: string, knownMids?: Iterable<string>): string | undefined {
  if (sdp.length > SDP_LIMITS.maxChars) {
    return `The session description is longer than ${SDP_LIMITS.maxChars} characters`;
  }
  let lines = 0;
  let sections = 0;
  let start = 0;
  while (start <= sdp.length) {
    let end = sdp.indexOf('\n', start);
    if (end < 0) end = sdp.length;
    const length = end - start - (end > start && sdp.charCodeAt(end - 1) === 0x0d ? 1 : 0);
    if (length > SDP_LIMITS.maxLineChars) {
      return `Line ${lines + 1} of the session description is longer than ${SDP_LIMITS.maxLineChars} characters`;
    }
    if (++lines > SDP_LIMITS.maxLines) {
      return `The session description has more than ${SDP_LIMITS.maxLines} lines`;
    }
    if (sdp.startsWith('m=', start) && ++sections > SDP_LIMITS.maxMediaSections) {
      return `The session description has more than ${SDP_LIMITS.maxMediaSections} m-sections`;
    }
    start = end + 1;
  }
  if (knownMids !== undefined) {
    // A section is added unless it reuses a known mid for the first time (a repeated mid is one more section).
    const known = new Set(knownMids);
    let added = 0;
    for (const mid of mediaSectionMids(sdp)) {
      if (mid !== undefined && known.delete(mid)) continue;
      added++;
    }
    if (added > SDP_LIMITS.maxNewMediaSections) {
      return `The session description adds ${added} m-sections; one request may add at most ${SDP_LIMITS.maxNewMediaSections} (${MAX_TRACKS_PER_CALL} tracks and the data channels)`;
    }
  }
  return undefined;
}
