/** The engine's codec and header-extension choices (src/sfu/engine/codecs.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  codecs,
  codecsFor,
  extensionsFor,
  headerExtensions,
  sameCodec,
  toCodecInfo,
} from '../../src/sfu/engine/codecs.ts';

void test('every list is fresh: werift may mutate what it is given', () => {
  assert.notEqual(codecs().video[0], codecs().video[0]);
  assert.notEqual(headerExtensions().audio[0], headerExtensions().audio[0]);
});

void test("codecsFor offers the publication's codec (H.264 by profile_idc), else every codec of the kind", () => {
  const baseline = { mimeType: 'video/H264', clockRate: 90000, parameters: 'profile-level-id=42001f' };
  assert.deepEqual(
    codecsFor('video', baseline).map((c) => c.payloadType),
    [102, 104],
  );
  assert.deepEqual(
    codecsFor('video', { mimeType: 'video/vp8', clockRate: 90000 }).map((c) => c.mimeType),
    ['video/VP8'],
  );
  assert.equal(codecsFor('video', undefined).length, codecs().video.length);
  assert.equal(
    codecsFor('video', { mimeType: 'video/H265', clockRate: 90000 }).length,
    codecs().video.length,
  );
});

void test('sameCodec: MIME types compare case-blind, H.264 also by profile', () => {
  const info = { mimeType: 'video/h264', clockRate: 90000, parameters: 'profile-level-id=42e01f' };
  assert.equal(
    sameCodec({ mimeType: 'video/H264', parameters: 'packetization-mode=1;profile-level-id=42E01F' }, info),
    true,
  );
  assert.equal(sameCodec({ mimeType: 'video/H264', parameters: 'profile-level-id=64001f' }, info), false);
  assert.equal(sameCodec({ mimeType: 'audio/OPUS' }, { mimeType: 'audio/opus', clockRate: 48000 }), true);
});

void test('extensionsFor keeps the ids the BUNDLE uses and gives new URIs ids nobody uses', () => {
  const mid = 'urn:ietf:params:rtp-hdrext:sdes:mid';
  const used = new Map([
    [mid, 9],
    ['urn:example:other', 1],
    ['urn:example:another', 2],
  ]);
  const out = extensionsFor('audio', used);
  assert.equal(out.find((e) => e.uri === mid)?.id, 9);
  const ids = out.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, 'distinct ids');
  for (const e of out) if (e.uri !== mid) assert.ok(![1, 2, 9].includes(e.id), `${e.uri} got a free id`);
  assert.equal(used.size, 3, "the caller's map is not changed");
});

void test('toCodecInfo copies only what is set', () => {
  const [opus] = codecs().audio;
  assert.deepEqual(toCodecInfo(opus!), {
    mimeType: 'audio/opus',
    clockRate: 48000,
    channels: 2,
    parameters: 'minptime=10;useinbandfec=1',
  });
  assert.equal('channels' in toCodecInfo(codecs().video[0]!), false);
});
