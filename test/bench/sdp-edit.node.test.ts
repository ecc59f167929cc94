/** The edits bench:sfu makes to a subscriber's answer. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripCandidates, withoutRtx } from '../../bench/sdp-edit.ts';

const answer = [
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=rtpmap:111 opus/48000/2',
  'a=candidate:1 1 udp 2130706431 198.18.0.1 50000 typ host',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 nack',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:98 VP9/90000',
  'a=candidate:2 1 udp 2130706431 198.18.0.2 50001 typ host',
  '',
].join('\r\n');

void describe('stripCandidates', () => {
  void it('removes every candidate line and nothing else', () => {
    const stripped = stripCandidates(answer);
    assert.doesNotMatch(stripped, /a=candidate/);
    assert.equal(stripped.split('\r\n').length, answer.split('\r\n').length - 2);
  });
});

void describe('withoutRtx', () => {
  void it('removes the RTX payload type from the m-line and its attributes, keeps NACK', () => {
    const edited = withoutRtx(answer);
    assert.match(edited, /^m=video 9 UDP\/TLS\/RTP\/SAVPF 96 98$/m);
    assert.doesNotMatch(edited, /rtx|apt=/);
    assert.match(edited, /^a=rtcp-fb:96 nack$/m);
    assert.match(edited, /^m=audio 9 UDP\/TLS\/RTP\/SAVPF 111$/m);
  });

  void it('leaves an answer without RTX as it is', () => {
    const plain = answer.replace(/a=rtpmap:97.*\r\na=fmtp:97.*\r\n/, '').replace(' 96 97 98', ' 96 98');
    assert.equal(withoutRtx(plain), plain);
  });
});
