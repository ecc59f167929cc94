/**
 * The recording backend end to end, run against Node (local directory) and the Worker in workerd (Miniflare's
 * R2): real MediaRecorder chunks from Chromium go up in order, the stop finalizes them into one WebM that
 * ffprobe reads with its duration, the listing and the ranged download answer hosts of the room only, and a
 * recording whose host vanished is finalized `partial` after the timeout.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RecordingInfo } from '../../src/protocol/recording.ts';
import { probe } from '../helpers/ffprobe.ts';
import { recordWebmChunks, type RecordedChunks } from '../helpers/webm-recording.ts';
import { withDuration } from '../../src/server/webm-duration.ts';
import { PresenceClient, token } from './helpers.ts';

export interface RecordingBackend {
  base: string;
  wsBase: string;
  /** Moves the backend's time forward and runs its timers (finalizes timed-out recordings). */
  advance(room: string, ms: number): Promise<void>;
  /** Runs the scheduled retention sweep as if `ms` from now (Node's hourly sweep, the Worker's Cron Trigger). */
  sweep(ms: number): Promise<void>;
  close(): Promise<void>;
}

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
/** The room a test token is for (read from its payload, not verified: the backend does that). */
const roomOf = (t: string) =>
  (JSON.parse(Buffer.from(t.split('.')[1] ?? '', 'base64url').toString()) as { room: string }).room;

export function recordingSuite(name: string, start: () => Promise<RecordingBackend>): void {
  void describe(`recording (${name})`, () => {
    let backend: RecordingBackend;
    let recorded: RecordedChunks;
    const dir = mkdtempSync(join(tmpdir(), 'calls-recording-test-'));

    before(async () => {
      [backend, recorded] = await Promise.all([start(), recordWebmChunks(5, 1000)]);
    });
    after(async () => {
      await backend?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const startRecording = async (room: string, tok: string) => {
      const res = await fetch(`${backend.base}/api/recordings`, { method: 'POST', headers: auth(tok) });
      return { status: res.status, body: (await res.json()) as RecordingInfo & { errorCode?: string } };
    };
    const put = (tok: string, id: string, seq: number, room = roomOf(tok)) =>
      fetch(
        `${backend.base}/api/recordings/${id}/chunks/${seq}?room=${room}&ms=${recorded.durationMs[seq]}`,
        {
          method: 'PUT',
          headers: auth(tok),
          body: recorded.chunks[seq] as Uint8Array<ArrayBuffer>,
        },
      );
    const list = async (room: string, tok?: string) =>
      fetch(`${backend.base}/api/recordings?room=${room}`, { headers: tok ? auth(tok) : {} });
    const listed = async (room: string, tok: string) =>
      ((await (await list(room, tok)).json()) as { recordings: RecordingInfo[] }).recordings;
    const download = async (room: string, id: string, tok: string): Promise<string> => {
      const res = await fetch(`${backend.base}/api/recordings/${id}?room=${room}`, { headers: auth(tok) });
      assert.equal(res.status, 200);
      const path = join(dir, `${id}.webm`);
      writeFileSync(path, new Uint8Array(await res.arrayBuffer()));
      return path;
    };

    void it('records, stops, lists the file as complete and serves one playable WebM with its duration', async () => {
      const room = `rec-${crypto.randomUUID().slice(0, 8)}`;
      const host = await token(room, 'host-1', 'host', 'Ada');
      const started = await startRecording(room, host);
      assert.equal(started.status, 201);
      assert.equal(started.body.status, 'recording');
      const id = started.body.id;
      for (let seq = 0; seq < recorded.chunks.length; seq++) {
        assert.equal((await put(host, id, seq)).status, 200, `chunk ${seq}`);
        if (seq === 1) {
          // A retry of an acknowledged chunk is acknowledged again, and stored once.
          const again = await put(host, id, 1);
          assert.equal(again.status, 200);
          assert.equal(((await again.json()) as { duplicate?: boolean }).duplicate, true);
          // A chunk after a gap is refused: the recorder sends in order.
          const gap = await put(host, id, 3);
          assert.equal(gap.status, 409);
          assert.equal(((await gap.json()) as { errorCode: string }).errorCode, 'chunk_out_of_order');
        }
      }
      const stop = await fetch(`${backend.base}/api/recordings/${id}/stop?room=${room}`, {
        method: 'POST',
        headers: auth(host),
      });
      assert.equal(stop.status, 200);
      const again = await fetch(`${backend.base}/api/recordings/${id}/stop?room=${room}`, {
        method: 'POST',
        headers: auth(host),
      });
      assert.equal(again.status, 409, 'stopping twice');

      const [info] = await listed(room, host);
      const bytes = recorded.chunks.reduce((n, c) => n + c.byteLength, 0);
      const lastMs = recorded.durationMs.at(-1)!;
      assert.equal(info?.id, id);
      assert.equal(info?.status, 'complete');
      assert.equal(info?.room, room);
      assert.deepEqual(info?.startedBy, { userId: 'host-1', name: 'Ada' });
      assert.equal(info?.durationMs, lastMs);
      assert.ok(
        info && info.size >= bytes && info.size < bytes + 64,
        `size ${info?.size} vs chunks ${bytes}`,
      );
      assert.ok(info?.endedAt && info.endedAt >= info.startedAt);

      const file = await probe(await download(room, id, host));
      assert.ok(Math.abs(file.durationS - lastMs / 1000) < 0.1, `duration ${file.durationS}`);
      assert.deepEqual(file.video, { codec: 'vp8', width: 640, height: 360 });
      assert.equal(file.audio?.codec, 'opus');
      assert.ok(file.frameStdDev > 5, `frame not blank (${file.frameStdDev})`);
      assert.ok(file.decodesCleanly, file.decodeErrors);

      // Ranges, as a <video> seeking asks for them; and the listing's ticket URL needs no header.
      const whole = new Uint8Array(await (await fetch(info.downloadUrl!)).arrayBuffer());
      assert.equal(whole.byteLength, info.size);
      const ranged = await fetch(`${backend.base}/api/recordings/${id}?room=${room}`, {
        headers: { ...auth(host), range: 'bytes=100-1099' },
      });
      assert.equal(ranged.status, 206);
      assert.equal(ranged.headers.get('content-range'), `bytes 100-1099/${info.size}`);
      assert.deepEqual(new Uint8Array(await ranged.arrayBuffer()), whole.subarray(100, 1100));
      const tail = await fetch(info.downloadUrl!, { headers: { range: 'bytes=-10' } });
      assert.equal(tail.status, 206);
      assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), whole.subarray(whole.byteLength - 10));
      const outside = await fetch(info.downloadUrl!, { headers: { range: `bytes=${info.size}-` } });
      assert.equal(outside.status, 416);
    });

    void it('one recording at a time per room; any host may stop it; presence shows it to late joiners', async () => {
      const room = `rec-${crypto.randomUUID().slice(0, 8)}`;
      const a = await token(room, 'host-a', 'host', 'Ada');
      const b = await token(room, 'host-b', 'host', 'Bo');
      const early = await PresenceClient.connect(`${backend.wsBase}/api/rooms/${room}`);
      assert.equal((await early.join(await token(room, 'guest-1', 'guest'))).recording ?? null, null);
      const first = await startRecording(room, a);
      assert.equal(first.status, 201);
      const shown = await early.next('recording', (m) => m.recording !== null);
      assert.deepEqual(shown.recording, {
        id: first.body.id,
        startedBy: { userId: 'host-a', name: 'Ada' },
        startedAt: first.body.startedAt,
      });
      const second = await startRecording(room, b);
      assert.equal(second.status, 409);
      assert.equal(second.body.errorCode, 'recording_in_progress');
      assert.equal((await startRecording(room, a)).status, 409, 'starting twice');
      // Only its starter sends chunks.
      assert.equal((await put(b, first.body.id, 0)).status, 403);
      assert.equal((await put(a, first.body.id, 0)).status, 200);

      const late = await PresenceClient.connect(`${backend.wsBase}/api/rooms/${room}`);
      const welcome = await late.join(await token(room, 'viewer-1', 'viewer'));
      assert.equal(welcome.recording?.id, first.body.id);

      const from = early.messages.length;
      const stop = await fetch(`${backend.base}/api/recordings/${first.body.id}/stop?room=${room}`, {
        method: 'POST',
        headers: auth(b),
      });
      assert.equal(stop.status, 200);
      await early.next('recording', (m) => m.recording === null, from);
      await late.next('recording', (m) => m.recording === null);
      early.close();
      late.close();
    });

    void it('a recording whose host vanished is finalized as partial with the acknowledged chunks, playable', async () => {
      const room = `rec-${crypto.randomUUID().slice(0, 8)}`;
      const host = await token(room, 'host-1', 'host');
      const { body } = await startRecording(room, host);
      for (const seq of [0, 1, 2]) assert.equal((await put(host, body.id, seq)).status, 200);
      await backend.advance(room, 10_000);
      assert.equal((await listed(room, host))[0]?.status, 'recording', 'still within the timeout');
      await backend.advance(room, 31_000);
      let info: RecordingInfo | undefined;
      for (let i = 0; i < 100 && info?.status !== 'partial'; i++) {
        [info] = await listed(room, host);
        if (info?.status !== 'partial') await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(info?.status, 'partial');
      assert.equal(info?.durationMs, recorded.durationMs[2]);
      const file = await probe(await download(room, body.id, host));
      assert.ok(
        Math.abs(file.durationS - recorded.durationMs[2]! / 1000) < 0.1,
        `duration ${file.durationS}`,
      );
      assert.ok(file.video && file.audio, 'video and audio');
      assert.ok(file.frameStdDev > 5, `frame not blank (${file.frameStdDev})`);
      // Chunks after the end are refused.
      assert.equal((await put(host, body.id, 3)).status, 409);
    });

    void it('a recording over 5 MiB is stored in parts and read back byte for byte', async () => {
      const room = `rec-${crypto.randomUUID().slice(0, 8)}`;
      const host = await token(room, 'host-1', 'host');
      const { body } = await startRecording(room, host);
      // Incompressible bytes (a pattern of primes), 2.5 MB each: only the byte order matters here.
      const big = Array.from({ length: 3 }, (_, i) =>
        new Uint8Array(2_500_000 + i).map((_, j) => (j * 131 + i * 17 + ((j * j) >>> 7)) % 251),
      );
      const chunks = [recorded.chunks[0]!, ...big];
      for (const [seq, chunk] of chunks.entries()) {
        const res = await fetch(
          `${backend.base}/api/recordings/${body.id}/chunks/${seq}?room=${room}&ms=${seq * 3000}`,
          {
            method: 'PUT',
            headers: auth(host),
            body: chunk as Uint8Array<ArrayBuffer>,
          },
        );
        assert.equal(res.status, 200, `chunk ${seq}`);
      }
      const stop = await fetch(`${backend.base}/api/recordings/${body.id}/stop?room=${room}`, {
        method: 'POST',
        headers: auth(host),
      });
      assert.equal(stop.status, 200);
      const expected = [withDuration(recorded.chunks[0]!, 9000)!, ...big];
      const size = expected.reduce((n, c) => n + c.byteLength, 0);
      assert.ok(size > 7 * 1024 * 1024);
      const res = await fetch(`${backend.base}/api/recordings/${body.id}?room=${room}`, {
        headers: auth(host),
      });
      const got = new Uint8Array(await res.arrayBuffer());
      assert.equal(got.byteLength, size);
      let offset = 0;
      for (const c of expected) {
        assert.ok(Buffer.from(got.subarray(offset, offset + c.byteLength)).equals(c), `at ${offset}`);
        offset += c.byteLength;
      }
      // A range across the first part boundary.
      const cross = await fetch(`${backend.base}/api/recordings/${body.id}?room=${room}`, {
        headers: { ...auth(host), range: `bytes=${5 * 1024 * 1024 - 10}-${5 * 1024 * 1024 + 9}` },
      });
      assert.equal(cross.status, 206);
      assert.deepEqual(
        new Uint8Array(await cross.arrayBuffer()),
        got.subarray(5 * 1024 * 1024 - 10, 5 * 1024 * 1024 + 10),
      );
    });

    void it('guests, viewers, other rooms and missing tokens get 403 on start, chunks, stop, list and download', async () => {
      const room = `rec-${crypto.randomUUID().slice(0, 8)}`;
      const host = await token(room, 'host-1', 'host');
      const { body } = await startRecording(room, host);
      assert.equal((await put(host, body.id, 0)).status, 200);
      await fetch(`${backend.base}/api/recordings/${body.id}/stop?room=${room}`, {
        method: 'POST',
        headers: auth(host),
      });
      const outsiders: [string, Record<string, string>][] = [
        ['guest', auth(await token(room, 'g', 'guest'))],
        ['viewer', auth(await token(room, 'v', 'viewer'))],
        ['host of another room', auth(await token(`${room}-x`, 'h2', 'host'))],
        ['no token', {}],
        ['a bad token', auth('not-a-token')],
      ];
      for (const [who, headers] of outsiders) {
        const calls: [string, Response][] = [
          ['start', await fetch(`${backend.base}/api/recordings?room=${room}`, { method: 'POST', headers })],
          [
            'chunk',
            await fetch(`${backend.base}/api/recordings/${body.id}/chunks/1?room=${room}&ms=1`, {
              method: 'PUT',
              headers,
              body: 'x',
            }),
          ],
          [
            'stop',
            await fetch(`${backend.base}/api/recordings/${body.id}/stop?room=${room}`, {
              method: 'POST',
              headers,
            }),
          ],
          ['list', await fetch(`${backend.base}/api/recordings?room=${room}`, { headers })],
          ['download', await fetch(`${backend.base}/api/recordings/${body.id}?room=${room}`, { headers })],
        ];
        for (const [what, res] of calls) {
          assert.equal(res.status, 403, `${who}: ${what}`);
          assert.equal(
            ((await res.json()) as { errorCode: string }).errorCode,
            'forbidden',
            `${who}: ${what}`,
          );
        }
      }
      // A ticket opens one file of one room only.
      const [info] = await listed(room, host);
      const ticket = new URL(info!.downloadUrl!).searchParams.get('ticket')!;
      const other = await fetch(`${backend.base}/api/recordings/other-id?room=${room}&ticket=${ticket}`);
      assert.equal(other.status, 403);
      // A host of another room sees none of this room's recordings in its own listing.
      const mine = await listed(`${room}-x`, await token(`${room}-x`, 'h2', 'host'));
      assert.deepEqual(mine, []);
    });
    // Last: the sweep deletes every finished recording of the backend, whichever test made it.
    void it('the scheduled sweep deletes recordings past their retention in rooms nobody lists', async () => {
      const room = `rec-${crypto.randomUUID().slice(0, 8)}`;
      const host = await token(room, 'host-r', 'host', 'Ada');
      const started = await startRecording(room, host);
      assert.equal(started.status, 201);
      const id = started.body.id;
      for (let seq = 0; seq < 2; seq++) assert.equal((await put(host, id, seq)).status, 200);
      const stop = await fetch(`${backend.base}/api/recordings/${id}/stop?room=${room}`, {
        method: 'POST',
        headers: auth(host),
      });
      assert.equal(stop.status, 200);
      const [info] = await listed(room, host);
      assert.equal(info?.status, 'complete');
      const day = 86_400_000;
      // The default retention is 30 days: a day short of it, the sweep keeps the file.
      await backend.sweep(29 * day);
      assert.equal((await fetch(info.downloadUrl!)).status, 200);
      await backend.sweep(31 * day);
      // Gone without a listing (which would delete it itself): the download by ticket finds nothing.
      assert.equal((await fetch(info.downloadUrl!)).status, 404);
      assert.deepEqual(await listed(room, host), []);
    });
  });
}
