/** The engine's pure SDP work (src/sfu/engine/sdp.ts) on hand-written descriptions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  announce,
  candidateLines,
  describeSections,
  extensionIds,
  isRejected,
  rejectLikeOffer,
  usableSections,
  withIceLite,
} from '../../src/sfu/engine/sdp.ts';

const session = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0'];
const transport = ['a=ice-ufrag:abcd', 'a=ice-pwd:0123456789abcdef012345', 'a=fingerprint:sha-256 AA:BB'];

function sdp(bundle: string, ...sections: string[][]): string {
  return [...session, `a=group:BUNDLE ${bundle}`, ...sections.flat(), ''].join('\r\n');
}

function audio(mid: string, direction: string, port = 9, extra: string[] = []): string[] {
  return [
    `m=audio ${port} UDP/TLS/RTP/SAVPF 111`,
    'c=IN IP4 0.0.0.0',
    ...transport,
    `a=mid:${mid}`,
    `a=${direction}`,
    'a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=rtpmap:111 opus/48000/2',
    ...extra,
  ];
}

function video(mid: string, direction: string, extra: string[] = []): string[] {
  return [
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    'c=IN IP4 0.0.0.0',
    ...transport,
    `a=mid:${mid}`,
    `a=${direction}`,
    'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
    'a=rtpmap:96 VP8/90000',
    ...extra,
  ];
}

void test('describeSections: mid, kind, direction, rejection and sent simulcast layers', () => {
  const offer = sdp(
    '0 1',
    audio('0', 'sendonly'),
    video('1', 'sendrecv', ['a=rid:h send', 'a=rid:l send', 'a=rid:x recv', 'a=simulcast:send h;l']),
    audio('2', 'recvonly', 0),
  );
  assert.deepEqual(describeSections(offer), [
    { mid: '0', kind: 'audio', direction: 'sendonly', rejected: false, rids: [] },
    { mid: '1', kind: 'video', direction: 'sendrecv', rejected: false, rids: ['h', 'l'] },
    { mid: '2', kind: 'audio', direction: 'recvonly', rejected: true, rids: [] },
  ]);
});

void test('isRejected: port 0 rejects, unless the section is bundle-only (Firefox)', () => {
  assert.equal(isRejected({ port: 0 }), true);
  assert.equal(isRejected({ port: 0, bundleOnly: 'bundle-only' }), false);
  assert.equal(isRejected({ port: 9 }), false);
});

void test('usableSections refuses what cannot be a description, naming what is missing', () => {
  assert.throws(() => usableSections('hello', 'offer'), /not SDP/);
  assert.throws(() => usableSections([...session, ''].join('\r\n'), 'answer'), /no m= section/);
  const noIce = sdp('0', audio('0', 'sendonly')).replace(/a=ice-pwd:.*\r\n/g, '');
  assert.throws(() => usableSections(noIce, 'offer'), /ICE credentials/);
  const noFingerprint = sdp('0', audio('0', 'sendonly')).replace(/a=fingerprint:.*\r\n/g, '');
  assert.throws(() => usableSections(noFingerprint, 'offer'), /fingerprint/);
  assert.equal(usableSections(sdp('0', audio('0', 'sendonly')), 'offer').length, 1);
});

void test('rejectLikeOffer rejects what the offer rejected and bundles only what it bundles', () => {
  const offer = sdp('0', audio('0', 'sendonly'), audio('1', 'sendonly', 0));
  const answer = sdp('0 1', audio('0', 'recvonly'), [
    ...audio('1', 'recvonly'),
    'a=candidate:1 1 udp 1 1.2.3.4 5000 typ host',
  ]);
  const fixed = rejectLikeOffer(answer, offer);
  assert.match(fixed, /a=group:BUNDLE 0\r\n/);
  assert.match(fixed, /m=audio 0 /);
  assert.match(fixed, /a=inactive/);
  assert.doesNotMatch(fixed, /a=candidate/);
  const live = sdp('0', audio('0', 'sendonly'));
  const same = sdp('0', audio('0', 'recvonly'));
  assert.equal(rejectLikeOffer(same, live), same, 'nothing to fix: the answer as it was');
});

void test('extensionIds: the ids in use by URI, the first description winning', () => {
  const first = sdp('0', audio('0', 'sendonly'));
  const second = sdp(
    '0',
    [...audio('0', 'sendonly')].map((l) => l.replace('extmap:1', 'extmap:9')),
  );
  const ids = extensionIds(undefined, first, second);
  assert.equal(ids.get('urn:ietf:params:rtp-hdrext:sdes:mid'), 1);
});

void test('announce writes one candidate per announced address on its bound port, and ice-lite at session level', () => {
  const werift = sdp('0', [
    ...audio('0', 'recvonly'),
    'a=candidate:a 1 udp 2130706431 10.0.0.5 40000 typ host',
    'a=candidate:b 1 udp 2130706431 0.0.0.0 40002 typ host',
    'a=end-of-candidates',
  ]);
  const out = announce(werift, [
    { announce: '203.0.113.7', bind: '0.0.0.0' },
    { announce: '10.0.0.5', bind: '10.0.0.5' },
    { announce: '198.51.100.1', bind: '198.51.100.1' }, // its socket did not bind: no candidate
  ]);
  const candidates = out.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
  assert.deepEqual(
    candidates.map((l) => l.split(' ').slice(4, 6).join(':')),
    ['203.0.113.7:40002', '10.0.0.5:40000'],
  );
  const priorities = candidates.map((l) => Number(l.split(' ')[3]));
  assert.ok(priorities[0]! > priorities[1]!, 'falling priorities in the configured order');
  assert.ok(out.indexOf('a=ice-lite') < out.indexOf('m=audio'), 'ice-lite before the first m= line');
  assert.ok(
    out.indexOf('a=candidate:') < out.indexOf('a=end-of-candidates'),
    'candidates where werift had them',
  );
});

void test('withIceLite adds the line once; candidateLines follows RFC 8445 host priorities', () => {
  const once = withIceLite(sdp('0', audio('0', 'recvonly')));
  assert.equal(withIceLite(once), once);
  const [line] = candidateLines(
    [{ announce: '192.0.2.1', bind: '192.0.2.1' }],
    new Map([['192.0.2.1', '5']]),
  );
  assert.equal(line, `a=candidate:1 1 udp ${126 * 2 ** 24 + 65535 * 2 ** 8 + 255} 192.0.2.1 5 typ host`);
});
