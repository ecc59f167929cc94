/**
 * The small parts of recording on their own: R2-sized part cutting, Range headers, the room's recording state,
 * the composite layout, the chunk uploader's order and retries, and the recorder chunk built self-contained.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compositeLayout } from '../../src/client/recorder/composite-layout.ts';
import { ChunkUploader } from '../../src/client/recorder/uploader.ts';
import { RecordingApiError } from '../../src/client/recorder/api.ts';
import { parseRange } from '../../src/server/recording-routes.ts';
import { RoomRecording } from '../../src/server/recording-state.ts';
import { PART_BYTES, PartCutter, type StoredRecording } from '../../src/server/recording-store.ts';
import { waitFor } from '../helpers/wait.ts';
import { buildWidget } from './widget-build.ts';

void describe('PartCutter', () => {
  void it('cuts appended bytes into parts of exactly 5 MiB, the last smaller, in order and unchanged', async () => {
    const parts: { n: number; bytes: Uint8Array }[] = [];
    const cutter = new PartCutter((n, bytes) => {
      parts.push({ n, bytes });
      return Promise.resolve();
    });
    const all = new Uint8Array(PART_BYTES * 2 + 12345).map((_, i) => (i * 7) % 251);
    // Odd-sized writes across part boundaries.
    for (let at = 0; at < all.length; at += 1_000_003) await cutter.write(all.subarray(at, at + 1_000_003));
    assert.equal(await cutter.finish(), all.length);
    assert.deepEqual(
      parts.map((p) => [p.n, p.bytes.byteLength]),
      [
        [1, PART_BYTES],
        [2, PART_BYTES],
        [3, 12345],
      ],
    );
    const joined = new Uint8Array(all.length);
    let offset = 0;
    for (const p of parts) {
      joined.set(p.bytes, offset);
      offset += p.bytes.byteLength;
    }
    assert.deepEqual(joined, all);
  });
});

void describe('parseRange', () => {
  void it('reads one bytes range within the size and refuses the rest', () => {
    assert.deepEqual(parseRange('bytes=0-99', 1000), { offset: 0, length: 100 });
    assert.deepEqual(parseRange('bytes=990-', 1000), { offset: 990, length: 10 });
    assert.deepEqual(parseRange('bytes=-10', 1000), { offset: 990, length: 10 });
    assert.deepEqual(parseRange('bytes=900-5000', 1000), { offset: 900, length: 100 });
    for (const bad of ['bytes=1000-', 'bytes=5-4', 'bytes=-0', 'bytes=0-1,5-6', 'items=0-1', 'bytes=-']) {
      assert.equal(parseRange(bad, 1000), undefined, bad);
    }
  });
});

void describe('RoomRecording', () => {
  const info = (id: string): StoredRecording => ({
    id,
    room: 'r',
    startedBy: { userId: 'host', name: 'Ada' },
    startedAt: 0,
    endedAt: null,
    durationMs: 0,
    size: 0,
    status: 'recording',
    chunks: 0,
  });

  void it('one at a time; chunks in order from the starter only; ends by stop or after the timeout', () => {
    const r = new RoomRecording();
    assert.equal(r.start(info('a'), 0), undefined);
    assert.equal(r.start(info('b'), 0)?.code, 'recording_in_progress');
    assert.equal(r.checkChunk('a', 'host', 0, 10), 'next');
    r.acknowledged(0, 3000, 100, 1000);
    assert.equal(r.checkChunk('a', 'host', 0, 10), 'duplicate');
    assert.equal((r.checkChunk('a', 'host', 2, 10) as { code: string }).code, 'chunk_out_of_order');
    assert.equal((r.checkChunk('a', 'other', 1, 10) as { code: string }).code, 'forbidden');
    assert.equal((r.checkChunk('b', 'host', 1, 10) as { code: string }).code, 'recording_not_active');
    assert.equal(r.expired(30_000, 30_000), undefined);
    const ended = r.expired(31_001, 30_000);
    assert.equal(ended?.chunks, 1);
    assert.equal(ended?.durationMs, 3000);
    assert.equal(r.status(), null);
    assert.equal((r.take('a') as { code: string }).code, 'recording_not_active');
  });
});

void describe('compositeLayout', () => {
  const keys = (n: number, screen = false) =>
    Array.from({ length: n }, (_, i) => ({ key: `k${i}`, screen: screen && i === 0 }));
  const inside = (r: { x: number; y: number; w: number; h: number }) =>
    r.x >= 0 && r.y >= 0 && r.x + r.w <= 1280 && r.y + r.h <= 720 && r.w > 0 && r.h > 0;

  void it('lays 1 to 9 cameras out in a grid inside the frame, none overlapping', () => {
    for (let n = 1; n <= 9; n++) {
      const rects = [...compositeLayout(keys(n), 1280, 720).values()];
      assert.equal(rects.length, n);
      for (const r of rects) assert.ok(inside(r), `${n}: ${JSON.stringify(r)}`);
      for (const a of rects)
        for (const b of rects)
          if (a !== b)
            assert.ok(
              a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y,
              `${n} overlap`,
            );
    }
    assert.deepEqual(compositeLayout(keys(1), 1280, 720).get('k0'), { x: 0, y: 0, w: 1280, h: 720 });
  });

  void it('gives a screen share the main area and the cameras a column beside it', () => {
    const rects = compositeLayout(keys(4, true), 1280, 720);
    const share = rects.get('k0')!;
    assert.ok(share.w > 900 && share.h === 720);
    for (const k of ['k1', 'k2', 'k3']) assert.ok(rects.get(k)!.x >= share.x + share.w, k);
  });
});

void describe('ChunkUploader', () => {
  void it('sends chunks one at a time in order, retrying each until acknowledged', async () => {
    const sent: number[] = [];
    let failures = 2;
    const uploader = new ChunkUploader({
      send: (seq) => {
        sent.push(seq);
        if (seq === 1 && failures-- > 0) {
          return Promise.reject(new RecordingApiError('storage_error', 'storage down', 503));
        }
        return Promise.resolve();
      },
      failed: () => assert.fail('no refusal expected'),
      retryDelayMs: () => 1,
    });
    for (let i = 0; i < 4; i++) uploader.push(new Blob([`chunk ${i}`]), i * 1000);
    await uploader.flush();
    assert.deepEqual(sent, [0, 1, 1, 1, 2, 3]);
    assert.equal(uploader.acknowledged, 4);
  });

  void it('stops at a refusal no retry can change, and says so', async () => {
    const refused: string[] = [];
    const uploader = new ChunkUploader({
      send: (seq) =>
        seq === 1
          ? Promise.reject(new RecordingApiError('recording_not_active', 'ended', 409))
          : Promise.resolve(),
      failed: (e) => refused.push(e.code ?? ''),
      retryDelayMs: () => 1,
    });
    for (let i = 0; i < 3; i++) uploader.push(new Blob(['x']), i);
    await assert.rejects(uploader.flush());
    await waitFor(() => refused.length > 0, 'the refusal');
    assert.deepEqual(refused, ['recording_not_active']);
    assert.equal(uploader.acknowledged, 1);
  });
});

void describe('the recorder chunk', () => {
  void it('is built beside calls-room.js, imports nothing of it, and calls-room.js loads it relatively', async () => {
    const dir = await buildWidget();
    const chunk = await readFile(join(dir, 'calls-room-recorder.js'), 'utf8');
    const main = await readFile(join(dir, 'calls-room.js'), 'utf8');
    assert.doesNotMatch(chunk, /\bfrom\s*["'`]\.\/calls-room\.js/);
    assert.doesNotMatch(chunk, /\bimport\s*["'`(]/);
    assert.match(main, /import\(\s*["'`]\.\/calls-room-recorder\.js["'`]\s*\)/);
    assert.match(chunk, /MediaRecorder/);
  });
});
