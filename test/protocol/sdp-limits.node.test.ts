/** The SDP bounds the proxy and the embedded SFU apply before the media engine sees a description. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mediaSectionMids, SDP_LIMITS, sdpLimitProblem } from '../../src/protocol/sdp-limits.ts';

const HEAD = ['v=0', 'o=- 1 0 IN IP4 0.0.0.0', 's=-', 't=0 0'];
const section = (mid: string | undefined, kind = 'video') => [
  `m=${kind} 9 UDP/TLS/RTP/SAVPF 96`,
  'c=IN IP4 0.0.0.0',
  ...(mid === undefined ? [] : [`a=mid:${mid}`]),
  'a=rtpmap:96 VP8/90000',
];
const sdp = (mids: (string | undefined)[], eol = '\r\n') =>
  [...HEAD, ...mids.flatMap((m) => section(m)), ''].join(eol);
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => String(from + i));

void test('mids of each m-section, in order, with either line ending', () => {
  for (const eol of ['\r\n', '\n']) {
    assert.deepEqual(mediaSectionMids(sdp(['0', undefined, 'a'], eol)), ['0', undefined, 'a']);
  }
  assert.deepEqual(mediaSectionMids('v=0\r\na=mid:stray\r\n'), []);
});

void test('a description within every bound passes', () => {
  assert.equal(sdpLimitProblem('v=0'), undefined);
  assert.equal(sdpLimitProblem(sdp(range(SDP_LIMITS.maxMediaSections))), undefined);
  assert.equal(sdpLimitProblem(sdp(range(SDP_LIMITS.maxNewMediaSections)), []), undefined);
});

void test('too many m-sections, too long a line, too many lines, too many characters', () => {
  assert.match(
    sdpLimitProblem(sdp(range(SDP_LIMITS.maxMediaSections + 1))) ?? '',
    /more than 256 m-sections/,
  );
  const long = `v=0\r\na=fmtp:96 ${'x'.repeat(SDP_LIMITS.maxLineChars)}\r\n`;
  assert.match(sdpLimitProblem(long) ?? '', /Line 2 .* longer than 4096/);
  // The line ending does not count: a line of exactly the limit passes with \r\n and with \n.
  const exact = `v=0\r\n${'a'.repeat(SDP_LIMITS.maxLineChars)}\r\n`;
  assert.equal(sdpLimitProblem(exact), undefined);
  assert.equal(sdpLimitProblem(exact.replaceAll('\r\n', '\n')), undefined);
  assert.match(sdpLimitProblem('a=x\n'.repeat(SDP_LIMITS.maxLines + 1)) ?? '', /more than 16384 lines/);
  assert.match(sdpLimitProblem('x'.repeat(SDP_LIMITS.maxChars + 1)) ?? '', /longer than 262144 characters/);
});

void test('with the known mids, at most one call of m-sections may be added', () => {
  const known = range(100);
  // A full room's subscriber session: 100 known sections and 65 new ones.
  assert.equal(sdpLimitProblem(sdp(range(165)), known), undefined);
  assert.match(sdpLimitProblem(sdp(range(166)), known) ?? '', /adds 66 m-sections; .* at most 65/);
  // Fresh session: no known mids.
  assert.match(sdpLimitProblem(sdp(range(66)), []) ?? '', /adds 66/);
  // A repeated known mid, or a section without a mid, counts as added.
  assert.equal(sdpLimitProblem(sdp(Array.from({ length: 66 }, () => '0')), ['0']), undefined);
  assert.match(sdpLimitProblem(sdp(Array.from({ length: 67 }, () => '0')), ['0']) ?? '', /adds 66/);
  assert.match(sdpLimitProblem(sdp(Array.from({ length: 66 }, () => undefined)), []) ?? '', /adds 66/);
});
