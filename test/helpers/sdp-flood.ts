/** Oversized offers for the tests and `bench:hostile`: what an attacker sends to stall the media engine. */

/** An offer shaped like a browser's: one bundle, `sections` sendonly video m-sections. */
export function floodOffer(sections: number): string {
  const fingerprint = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase()).join(':');
  const head = [
    'v=0',
    'o=- 16552729 0 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    `a=group:BUNDLE ${Array.from({ length: sections }, (_, i) => i).join(' ')}`,
    'a=msid-semantic:WMS *',
  ];
  const body: string[] = [];
  for (let mid = 0; mid < sections; mid++) {
    body.push(
      'm=video 9 UDP/TLS/RTP/SAVPF 98',
      'c=IN IP4 0.0.0.0',
      'a=ice-ufrag:52d3',
      'a=ice-pwd:ef058b774757d7416f0f91',
      'a=ice-options:trickle',
      `a=fingerprint:sha-256 ${fingerprint}`,
      'a=setup:actpass',
      'a=sendonly',
      `a=mid:${mid}`,
      'a=rtcp-mux',
      `a=ssrc:${1000 + mid} cname:e6af0a4b-fcc1-429a-aff3-c5d6fb73929e`,
      'a=rtpmap:98 VP8/90000',
      'a=rtcp-fb:98 nack',
      'a=rtcp-fb:98 nack pli',
    );
  }
  return [...head, ...body, ''].join('\r\n');
}
