/**
 * Offers as browsers write them, made readable to werift without changing what they mean (werift
 * workarounds, both seen with Firefox).
 *
 * 1. werift negotiates codecs for every m-section of an offer, stopped ones included, and
 * fails the whole offer ("negotiate codecs failed") when one lists no codec it knows. Firefox offers a stopped
 * transceiver as `m=audio 0 … 0` with PCMU only (Chrome keeps the section's codecs), so every close from
 * Firefox failed. A stopped section carries no media: its codec list is replaced with one the engine knows
 * before werift reads it, and the answer rejects the section as before.
 * 2. werift reads the ICE credentials of every m-section, and a section without them (Firefox writes none in
 * stopped and bundle-only sections of a later offer) makes it reset the nominated pair: an ICE-lite SFU then
 * sends no more media on the session, since the browser, whose pair is fine, nominates nothing new. Such a
 * section gets the credentials the offer gives elsewhere (one BUNDLE transport, one set of credentials).
 */

/** The codec put into a stopped section, per kind (the engine knows both). */
const PLACEHOLDER: Record<string, { pt: number; rtpmap: string }> = {
  audio: { pt: 111, rtpmap: 'opus/48000/2' },
  video: { pt: 96, rtpmap: 'VP8/90000' },
};

/** Codec lines that belong to the replaced payload list. */
const CODEC_LINE = /^a=(rtpmap|fmtp|rtcp-fb):/;

/** The offer with both fixes applied (see above); an offer that needs neither is returned as it is. */
export function offerForWerift(sdp: string): string {
  return withIceCredentials(negotiableStoppedSections(sdp));
}

/** Fix 2: copies the offer's ICE credentials into m-sections that carry none. */
export function withIceCredentials(sdp: string): string {
  const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
  const pwd = /^a=ice-pwd:(\S+)/m.exec(sdp)?.[1];
  if (!ufrag || !pwd) return sdp;
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const parts = sdp.split(new RegExp(`${eol}(?=m=)`));
  let changed = false;
  const out = parts.map((part, i) => {
    if (i === 0 || /^a=ice-ufrag:/m.test(part)) return part;
    changed = true;
    const lines = part.split(eol);
    lines.splice(1, 0, `a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`);
    return lines.join(eol);
  });
  return changed ? out.join(eol) : sdp;
}

/**
 * Fix 1: returns the offer with the payload list of each stopped audio/video section (port 0 without
 * `a=bundle-only`) replaced by a known codec; everything else byte for byte.
 */
export function negotiableStoppedSections(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const parts = sdp.split(new RegExp(`${eol}(?=m=)`));
  let changed = false;
  const out = parts.map((part, i) => {
    if (i === 0) return part;
    const lines = part.split(eol);
    const m = /^m=(audio|video) 0 (\S+)( .*)?$/.exec(lines[0] ?? '');
    const placeholder = m ? PLACEHOLDER[m[1]!] : undefined;
    if (!m || !placeholder || lines.includes('a=bundle-only')) return part;
    changed = true;
    const kept = lines.slice(1).filter((line) => !CODEC_LINE.test(line));
    const trailing = kept.length > 0 && kept[kept.length - 1] === '' ? kept.pop() : undefined;
    return [
      `m=${m[1]} 0 ${m[2]} ${placeholder.pt}`,
      ...kept,
      `a=rtpmap:${placeholder.pt} ${placeholder.rtpmap}`,
      ...(trailing === undefined ? [] : ['']),
    ].join(eol);
  });
  return changed ? out.join(eol) : sdp;
}
