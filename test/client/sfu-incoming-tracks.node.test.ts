/** Matching a pull's result and waiting for its track by mid, without a browser. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IncomingTracks, type TrackSource } from '../../src/client/sfu-incoming-tracks.ts';
import { CallsItemError } from '../../src/client/calls-api.ts';
import { SfuSessionError, takePullResult } from '../../src/client/sfu-session-types.ts';

class FakePeer implements TrackSource {
  #listener: ((event: RTCTrackEvent) => void) | undefined;
  addEventListener(_type: 'track', listener: (event: RTCTrackEvent) => void): void {
    this.#listener = listener;
  }
  fire(mid: string | null, track: object): void {
    this.#listener?.({ transceiver: { mid }, track } as unknown as RTCTrackEvent);
  }
}

void test('takePullResult: by (session, name), each result once; errors and a missing mid are failures', () => {
  const remaining = [
    { sessionId: 's', trackName: 'a', mid: '1' },
    { sessionId: 's', trackName: 'a', mid: '2' },
    { sessionId: 's', trackName: 'b', errorCode: 'not_found_track_error', errorDescription: 'gone' },
    { sessionId: 's', trackName: 'c' },
  ];
  assert.deepEqual(takePullResult(remaining, { sessionId: 's', trackName: 'a' }), { ok: true, value: '1' });
  assert.deepEqual(takePullResult(remaining, { sessionId: 's', trackName: 'a' }), { ok: true, value: '2' });
  const missing = takePullResult(remaining, { sessionId: 's', trackName: 'a' });
  assert.ok(!missing.ok && missing.error instanceof SfuSessionError && missing.error.code === 'bad_response');
  const failed = takePullResult(remaining, { sessionId: 's', trackName: 'b' });
  assert.ok(!failed.ok && failed.error instanceof CallsItemError);
  const noMid = takePullResult(remaining, { sessionId: 's', trackName: 'c' });
  assert.ok(!noMid.ok && noMid.error instanceof SfuSessionError && /no mid/.test(noMid.error.message));
  assert.equal(remaining.length, 0);
});

void test('IncomingTracks: the track of a waited mid resolves; others are ignored; no track times out', async () => {
  const pc = new FakePeer();
  const incoming = new IncomingTracks(pc, 20);
  const track = { id: 't1' };
  const waited = incoming.wait('1');
  pc.fire('0', { id: 'other' });
  pc.fire(null, { id: 'none' });
  pc.fire('1', track);
  assert.equal(await waited, track);
  const late = incoming.wait('2');
  await assert.rejects(late, (e) => e instanceof SfuSessionError && e.code === 'track_timeout');
  pc.fire('2', { id: 'too late' });
});

void test('IncomingTracks: a forgotten mid no longer takes its track', async () => {
  const pc = new FakePeer();
  const incoming = new IncomingTracks(pc, 20);
  const forgotten = incoming.wait('1');
  incoming.forget('1');
  pc.fire('1', { id: 't' });
  await assert.rejects(forgotten, (e) => e instanceof SfuSessionError && e.code === 'track_timeout');
});
