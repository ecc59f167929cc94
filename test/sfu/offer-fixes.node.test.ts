/** The offer fixes for werift: Firefox's stopped sections get a codec werift knows, sections without ICE
 * credentials get the offer's; nothing else changes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  negotiableStoppedSections,
  offerForWerift,
  withIceCredentials,
} from '../../src/sfu/engine/offer-fixes.ts';

const offer = [
  'v=0',
  'o=mozilla...THIS_IS_SDPARTA-153.0 1 0 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 2',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'a=mid:0',
  'm=audio 0 UDP/TLS/RTP/SAVPF 0',
  'c=IN IP4 0.0.0.0',
  'a=inactive',
  'a=mid:1',
  'a=rtpmap:0 PCMU/8000',
  'm=video 0 UDP/TLS/RTP/SAVPF 120 124',
  'c=IN IP4 0.0.0.0',
  'a=bundle-only',
  'a=mid:2',
  'a=rtpmap:120 VP8/90000',
  'a=rtcp-fb:120 nack',
  'a=rtpmap:124 rtx/90000',
  'a=fmtp:124 apt=120',
  '',
].join('\r\n');

void describe('negotiableStoppedSections', () => {
  void it('gives a stopped section (port 0, not bundle-only) a known codec and keeps its other lines', () => {
    const out = negotiableStoppedSections(offer);
    const stopped = out.split('\r\n').slice(7, 12);
    assert.deepEqual(stopped, [
      'm=audio 0 UDP/TLS/RTP/SAVPF 111',
      'c=IN IP4 0.0.0.0',
      'a=inactive',
      'a=mid:1',
      'a=rtpmap:111 opus/48000/2',
    ]);
    assert.ok(out.endsWith('\r\n'));
  });

  void it('leaves live sections, bundle-only ones included, byte for byte', () => {
    const out = negotiableStoppedSections(offer);
    assert.equal(out.slice(out.indexOf('m=video')), offer.slice(offer.indexOf('m=video')));
    assert.equal(out.slice(0, out.indexOf('m=audio')), offer.slice(0, offer.indexOf('m=audio')));
  });

  void it('returns an offer without stopped sections as it is, LF-only ones too', () => {
    const live = offer.replace('m=audio 0 UDP/TLS/RTP/SAVPF 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 0');
    assert.equal(negotiableStoppedSections(live), live);
    const lf = offer.replaceAll('\r\n', '\n');
    assert.match(negotiableStoppedSections(lf), /\nm=audio 0 UDP\/TLS\/RTP\/SAVPF 111\n/);
  });
});

void describe('withIceCredentials', () => {
  const withIce = offer.replace('a=mid:0', 'a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef012345\r\na=mid:0');

  void it("gives every m-section without ICE credentials the offer's, right after its m= line", () => {
    const out = withIceCredentials(withIce);
    const sections = out.split(/\r\n(?=m=)/).slice(1);
    for (const section of sections) {
      assert.equal(section.match(/^a=ice-ufrag:abcd$/gm)?.length, 1, section);
      assert.equal(section.match(/^a=ice-pwd:0123456789abcdef012345$/gm)?.length, 1, section);
    }
    assert.match(out, /m=audio 0 UDP\/TLS\/RTP\/SAVPF 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:/);
  });

  void it('leaves an offer whose sections all carry credentials, or one with none at all, as it is', () => {
    const all = withIceCredentials(withIce);
    assert.equal(withIceCredentials(all), all);
    assert.equal(withIceCredentials(offer), offer);
  });

  void it('offerForWerift applies both fixes', () => {
    const out = offerForWerift(withIce);
    assert.match(out, /m=audio 0 UDP\/TLS\/RTP\/SAVPF 111\r\na=ice-ufrag:abcd/);
  });
});
