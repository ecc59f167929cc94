/** Edits bench:sfu makes to a subscriber's answer before an SFU sees it. */

/**
 * The answer without its candidates: a full-ICE SFU (Janus) then only learns the relay's address
 * (peer-reflexive, from the checks it receives), so its media cannot bypass the lossy link.
 */
export function stripCandidates(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((l) => !l.startsWith('a=candidate:'))
    .join('\r\n');
}

/**
 * The answer without RTX (RFC 4588): the SFU then retransmits NACKed packets on the media stream itself, as
 * ours does (`JANUS_RTX=0`).
 */
export function withoutRtx(sdp: string): string {
  const rtx = new Set([...sdp.matchAll(/^a=rtpmap:(\d+) rtx\/\d+/gm)].map((m) => m[1]!));
  if (rtx.size === 0) return sdp;
  const ofRtx = (line: string) => {
    const pt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+) /.exec(line)?.[1];
    return pt !== undefined && rtx.has(pt);
  };
  return sdp
    .split('\r\n')
    .filter((l) => !ofRtx(l))
    .map((l) =>
      l.startsWith('m=')
        ? l
            .split(' ')
            .filter((x, i) => i < 3 || !rtx.has(x))
            .join(' ')
        : l,
    )
    .join('\r\n');
}
