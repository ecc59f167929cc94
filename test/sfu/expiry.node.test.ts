/**
 * Time-based rules of the SFU with injected short limits: unused sessions expire (410), publications
 * without RTP are garbage-collected (and their pulls end). The SFU's housekeeping runs once a second, so
 * each wait polls for the outcome instead of sleeping.
 */
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import {
  OP,
  Publisher,
  Subscriber,
  TestSfu,
  clientPeer,
  connected,
  list,
  until,
  itRetrying,
  closeAfterAll,
} from './node-harness.ts';

let sfu: TestSfu;
before(async () => {
  // requestsPerSecond is raised: the polling below would otherwise trip the per-session limit.
  sfu = await TestSfu.start({
    unusedSessionMs: 2500,
    trackIdleMs: 2000,
    pullWaitMs: 300,
    connectWaitMs: 300,
    requestsPerSecond: 1000,
  });
});
after(() => sfu.close());

const { track } = closeAfterAll();

async function status(sessionId: string): Promise<number> {
  return (await sfu.call(OP.getSession, { sessionId })).status;
}

async function trackStatuses(sessionId: string): Promise<string[]> {
  const r = await sfu.call(OP.getSession, { sessionId });
  assert.equal(r.status, 200);
  return list(r.body.tracks).map((t) => t.status);
}

void describe('session expiry', () => {
  void itRetrying('an unused session is gone (410) after unusedSessionMs', async () => {
    const id = await sfu.newSession();
    assert.equal(await status(id), 200);
    await until(async () => (await status(id)) === 410, 'the unused session expires', 5_000);
    const r = await sfu.call(OP.tracksNew, {
      sessionId: id,
      body: { tracks: [{ location: 'remote', sessionId: id, trackName: 'x' }] },
    });
    assert.equal(r.status, 410);
    assert.equal(r.body.errorCode, 'session_error');
  });

  void itRetrying(
    'a session that negotiated but never connected expires too; a connected one does not',
    async () => {
      // Created first, so it is older than the abandoned one when that one is reaped on a housekeeping tick.
      const live = track(new Publisher(sfu));
      await live.publish(['mic']);
      const pc = track(clientPeer());
      const abandoned = await sfu.newSession();
      const t = pc.addTransceiver('audio', { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      const r = await sfu.call(OP.tracksNew, {
        sessionId: abandoned,
        body: {
          sessionDescription: { type: 'offer', sdp: pc.localDescription!.sdp },
          tracks: [{ location: 'local', mid: t.mid, trackName: 'mic' }],
        },
      });
      assert.equal(r.status, 200);
      // The client never applies the answer, so the transport never comes up.
      await until(
        async () => (await status(abandoned)) === 410,
        'the never-connected session expires',
        5_000,
      );
      assert.equal(await status(live.sessionId), 200);
      assert.deepEqual(await trackStatuses(live.sessionId), ['active']);
    },
  );
});

void describe('vanished clients', () => {
  void itRetrying(
    'a session whose client stopped sending anything is closed after silentSessionMs',
    async () => {
      // Its own SFU: silent-but-present publishers elsewhere in this file must outlive trackIdleMs.
      const quiet = await TestSfu.start({ silentSessionMs: 1500, requestsPerSecond: 1000 });
      try {
        const alive = track(new Publisher(quiet));
        await alive.publish(['mic']);
        const vanished = track(new Publisher(quiet));
        await vanished.publish(['mic']);
        await vanished.close(); // an ICE-lite server hears no goodbye: only the silence tells
        const statusOn = async (id: string) => (await quiet.call(OP.getSession, { sessionId: id })).status;

        await until(
          async () => (await statusOn(vanished.sessionId)) === 410,
          'the silent session is closed',
          8_000,
        );
        assert.equal(await statusOn(alive.sessionId), 200);
      } finally {
        await quiet.close();
      }
    },
  );
});

void describe('publication garbage collection', () => {
  void itRetrying('a publication with no RTP is dropped after trackIdleMs; one with RTP stays', async () => {
    const talking = track(new Publisher(sfu));
    await talking.publish(['loud']);
    const silent = track(new Publisher(sfu));
    await silent.publish(['quiet'], { rtp: false });
    assert.deepEqual(await trackStatuses(silent.sessionId), ['active']);

    await until(
      async () => (await trackStatuses(silent.sessionId))[0] === 'inactive',
      'the silent publication is dropped',
      8_000,
    );
    assert.deepEqual(await trackStatuses(talking.sessionId), ['active']);
    const pull = await sfu.call(OP.tracksNew, {
      sessionId: await sfu.newSession(),
      body: { tracks: [{ location: 'remote', sessionId: silent.sessionId, trackName: 'quiet' }] },
    });
    assert.equal(pull.status, 200);
    assert.deepEqual(
      list(pull.body.tracks).map((t) => [t.mid, t.errorCode]),
      [['', 'not_found_track_error']],
    );
  });

  void itRetrying(
    'a track published late on an old session gets the whole trackIdleMs before its first packet',
    async () => {
      const old = track(new Publisher(sfu));
      await old.publish(['first']);
      // Once a silent publication made with `old` is dropped, `old` is older than trackIdleMs.
      const clock = track(new Publisher(sfu));
      await clock.publish(['clock'], { rtp: false });
      await until(
        async () => (await trackStatuses(clock.sessionId))[0] === 'inactive',
        'trackIdleMs passes',
        8_000,
      );

      // A reference publication first, then the late one: the late one must outlive the reference.
      const reference = track(new Publisher(sfu));
      await reference.publish(['reference'], { rtp: false });
      await old.publish(['late'], { rtp: false });
      // Late first, then the reference: the reference is due first, so one dropped on the same housekeeping
      // tick between the two reads still reads inactive.
      await until(
        async () => {
          const [, lateStatus] = await trackStatuses(old.sessionId);
          const [referenceStatus] = await trackStatuses(reference.sessionId);
          if (referenceStatus === 'inactive') return true;
          assert.equal(
            lateStatus,
            'active',
            'the late publication was dropped before trackIdleMs had passed',
          );
          return false;
        },
        'the reference publication dropped',
        20_000,
      );
      assert.equal((await trackStatuses(old.sessionId))[0], 'active');
    },
  );

  void itRetrying(
    'when a publisher stops sending, its publication and the pulls of it become inactive',
    async () => {
      const pub = track(new Publisher(sfu));
      await pub.publish(['mic']);
      const sub = track(await new Subscriber(sfu).init());
      const pull = await sub.pullRequest([{ sessionId: pub.sessionId, trackName: 'mic' }]);
      assert.equal((await sub.accept(pull.body.sessionDescription)).status, 200);
      await connected(sub.pc);
      await until(() => sub.received > 0, 'the pull flows');
      assert.deepEqual(await trackStatuses(sub.sessionId), ['active']);

      await pub.stopRtp();
      await until(
        async () => (await trackStatuses(pub.sessionId))[0] === 'inactive',
        'the idle publication is dropped',
        8_000,
      );
      assert.deepEqual(await trackStatuses(sub.sessionId), ['inactive']);
    },
  );
});
