/**
 * A session that pulls the same track again (a participant rejoined under a new id, or a pull was closed and
 * made anew) gets an SFU offer whose `a=msid` lines are still unique: Chrome refuses a description with
 * duplicate msid lines ("Duplicate a=msid lines detected") and the whole renegotiation fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OP, Publisher, Subscriber, TestSfu, closeAfterAll, list } from './node-harness.ts';

let sfu: TestSfu;
before(async () => {
  sfu = await TestSfu.start({});
});
after(() => sfu.close());
const { track } = closeAfterAll();

function msids(sdp: string): string[] {
  return [...sdp.matchAll(/^a=msid:(.+)$/gm)].map((m) => m[1]!.trim());
}

void describe('msid of pulled tracks', () => {
  void it('stays unique when one session pulls the same track again, with or without closing the first pull', async () => {
    const pub = track(new Publisher(sfu));
    await pub.publish(['cam']);
    const sub = track(await new Subscriber(sfu).init());
    const want = [{ sessionId: pub.sessionId, trackName: 'cam' }];

    const first = await sub.pullRequest(want);
    assert.equal(first.status, 200);
    assert.equal((await sub.accept(first.body.sessionDescription)).status, 200);

    // Again while the first pull is live: a second m-section of the same track.
    const second = await sub.pullRequest(want);
    assert.equal(second.status, 200);
    const offer = second.body.sessionDescription!.sdp;
    assert.equal(new Set(msids(offer)).size, msids(offer).length, offer);
    assert.equal((await sub.accept(second.body.sessionDescription)).status, 200);

    // Close the first pull, then pull once more.
    const mid = list(first.body.tracks)[0]!.mid!;
    const closed = await sfu.call(OP.tracksClose, {
      sessionId: sub.sessionId,
      body: { tracks: [{ mid }], force: true },
    });
    assert.equal(closed.status, 200);
    const third = await sub.pullRequest(want);
    assert.equal(third.status, 200);
    const again = third.body.sessionDescription!.sdp;
    assert.equal(new Set(msids(again)).size, msids(again).length, again);
    assert.equal((await sub.accept(third.body.sessionDescription)).status, 200);
  });
});
