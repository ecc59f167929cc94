import { expect } from '@open-wc/testing';
import { SfuSessionLostEvent } from '../../src/client/sfu-session.ts';
import {
  expectRemoteVideo,
  makeRoom,
  nextEvent,
  roomName,
  tiles,
  waitFor,
  watchPageErrors,
} from './helpers.ts';

describe('<calls-room> reconnect', function () {
  // Several peers on two cores: generous, the waits inside are on conditions.
  this.timeout(120_000);
  it('a dropped presence socket resumes the same participant without duplicate tiles', async () => {
    const watch = watchPageErrors();
    const room = roomName('resume');
    const ada = await makeRoom(room, 'Ada');
    const bob = await makeRoom(room, 'Bob');
    await Promise.all([ada.join(), bob.join()]);
    await expectRemoteVideo(ada, 1);
    const adaId = ada.state.selfId;
    const reconnecting = nextEvent(
      ada,
      'calls-connection-state-change',
      (e) => e.detail.state === 'reconnecting',
    );
    const connected = nextEvent(ada, 'calls-connection-state-change', (e) => e.detail.state === 'connected');
    const socket = ada.model!.presenceClient!.socket!;
    socket.close();
    await reconnecting;
    await connected;
    expect(ada.state.selfId).to.equal(adaId);
    await waitFor(() => bob.state.participants.find((p) => p.id === adaId)?.connected, 'Bob sees Ada back');
    expect(tiles(ada)).to.have.length(2);
    expect(tiles(bob)).to.have.length(2);
    expect(bob.state.participants).to.have.length(2);
    await expectRemoteVideo(ada, 1);
    await expectRemoteVideo(bob, 1);
    ada.leave();
    bob.leave();
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });

  it('a lost SFU session is replaced by a new one that re-publishes and re-pulls', async () => {
    const watch = watchPageErrors();
    const room = roomName('replace');
    const ada = await makeRoom(room, 'Ada');
    const bob = await makeRoom(room, 'Bob');
    await Promise.all([ada.join(), bob.join()]);
    await expectRemoteVideo(ada, 1);
    await expectRemoteVideo(bob, 1);
    const lost = ada.model!.sfuSession!;
    const states: string[] = [];
    ada.addEventListener('calls-connection-state-change', (e) => states.push(e.detail.state));
    // What SfuSession reports after ICE failure (or 7 s disconnected).
    lost.dispatchEvent(new SfuSessionLostEvent('test: ICE failed'));
    await waitFor(
      () => ada.model!.sfuSession !== lost && ada.state.connection === 'connected',
      'a new session',
    );
    expect(states).to.include('reconnecting');
    expect(lost.peerConnection.connectionState).to.equal('closed');
    const fresh = ada.model!.sfuSession!;
    expect(fresh.sessionId).to.not.equal(lost.sessionId);
    // Bob pulls Ada's new tracks (announced through presence); Ada re-pulls Bob's.
    await waitFor(
      () => bob.model?.state.participants.find((p) => !p.isLocal)?.camera?.readyState === 'live',
      'Bob has a live track of Ada',
    );
    await expectRemoteVideo(bob, 1);
    await expectRemoteVideo(ada, 1);
    expect(tiles(ada)).to.have.length(2);
    expect(tiles(bob)).to.have.length(2);
    ada.leave();
    bob.leave();
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });
});
