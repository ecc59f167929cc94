import { expect } from '@open-wc/testing';
import {
  expectRemoteVideo,
  makeRoom,
  mintToken,
  nextEvent,
  remoteTiles,
  roomName,
  waitFor,
  watchPageErrors,
} from './helpers.ts';

describe('<calls-room> breakouts', function () {
  // Several peers on two cores: generous, the waits inside are on conditions.
  this.timeout(120_000);
  it('a host moves two participants into a breakout and back; sessions and peer connections stay', async () => {
    const watch = watchPageErrors();
    const room = roomName('breakout');
    const host = await makeRoom(room, 'Host', { token: await mintToken(room, 'Host', 'host') });
    const ada = await makeRoom(room, 'Ada');
    const bob = await makeRoom(room, 'Bob');
    const all = [host, ada, bob];
    await Promise.all(all.map((r) => r.join()));
    for (const r of all) await expectRemoteVideo(r, 2);
    const sessions = all.map((r) => r.model!.sfuSession!);
    const pcs = sessions.map((s) => s.peerConnection);

    const liveReceivers = (r: typeof ada) =>
      r
        .model!.sfuSession!.peerConnection.getTransceivers()
        .filter((t) => t.direction === 'recvonly' && t.currentDirection !== 'stopped')
        .map((t) => t.mid);
    const receivingBefore = liveReceivers(ada);
    expect(receivingBefore).to.have.length(4);
    const adaId = ada.state.selfId!;
    const bobId = bob.state.selfId!;
    const hostSeesLeave = nextEvent(host, 'calls-participant-left', (e) => e.detail.reason === 'breakout');
    host.assignBreakouts({ [adaId]: 'table-1', [bobId]: 'table-1' });
    expect((await hostSeesLeave).detail.reason).to.equal('breakout');
    await waitFor(() => remoteTiles(host).length === 0, 'the host alone in the main room');
    await waitFor(
      () => remoteTiles(ada).length === 1 && remoteTiles(bob).length === 1,
      'Ada and Bob together',
    );
    expect(ada.state.breakout).to.equal('table-1');
    expect(remoteTiles(ada)[0]?.participant?.name).to.equal('Bob');
    await expectRemoteVideo(ada, 1);
    // The host's two pulls were closed on Ada's session (Chrome drops a stopped transceiver once the close
    // is negotiated), Bob's stayed, and the session itself did not change.
    await waitFor(() => {
      const now = liveReceivers(ada);
      return now.length === 2 && now.every((mid) => receivingBefore.includes(mid));
    }, "only Bob's two pulls left at Ada");

    host.endBreakouts();
    for (const r of all) await waitFor(() => remoteTiles(r).length === 2, 'everyone back in the main room');
    for (const r of all) await expectRemoteVideo(r, 2);
    all.forEach((r, i) => {
      expect(r.model!.sfuSession).to.equal(sessions[i]);
      expect(r.model!.sfuSession!.sessionId).to.equal(sessions[i]!.sessionId);
      expect(r.model!.sfuSession!.peerConnection).to.equal(pcs[i]);
      expect(r.model!.sfuSession!.peerConnection.connectionState).to.equal('connected');
    });
    for (const r of all) r.leave();
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });
});
