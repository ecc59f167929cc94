import { expect } from '@open-wc/testing';
import { restartSfu } from '../helpers/env.ts';
import {
  expectRemoteVideo,
  makeRoom,
  nextEvent,
  remoteTiles,
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
    const peers = [ada, bob].map((el) => {
      const seen: string[] = [];
      const errors: string[] = [];
      el.addEventListener('calls-connection-state-change', (e) => seen.push(e.detail.state));
      el.addEventListener('calls-error', (e) => errors.push(e.detail.code));
      return { el, lost: el.model!.sfuSession!, seen, errors };
    });
    // A real failure: the SFU restarts on the same port and knows none of the sessions. Nobody tells the
    // browsers: ICE goes disconnected, and the Calls API answers 410 for their sessions.
    const { droppedSessions } = await restartSfu();
    expect(droppedSessions).to.be.at.least(2);
    for (const { el, lost } of peers) {
      await waitFor(
        () => el.model!.sfuSession !== lost && el.state.connection === 'connected',
        `${el.name} on a new session`,
        60_000,
      );
    }
    for (const { el, lost, seen } of peers) {
      const fresh = el.model!.sfuSession!;
      expect(fresh.sessionId).to.not.equal(lost.sessionId);
      expect(lost.state).to.equal('closed');
      expect(lost.peerConnection.connectionState).to.equal('closed');
      const reconnecting = seen.indexOf('reconnecting');
      expect(reconnecting, `${el.name}: ${seen.join(' ')}`).to.be.at.least(0);
      expect(seen.indexOf('connected', reconnecting), `${el.name}: ${seen.join(' ')}`).to.be.greaterThan(
        reconnecting,
      );
    }
    // Each pulls the other's new publications (announced through presence).
    await expectRemoteVideo(bob, 1);
    await expectRemoteVideo(ada, 1);
    for (const { el, errors } of peers) {
      // Pulls and chat subscriptions of the other's old session may fail on the way: that is no error.
      expect(errors, el.name).to.deep.equal([]);
      expect(tiles(el)).to.have.length(2);
      expect(remoteTiles(el)).to.have.length(1);
      expect(el.state.participants).to.have.length(2);
      const remote = el.state.participants.find((p) => !p.isLocal);
      expect(remote?.camera?.readyState).to.equal('live');
    }
    ada.leave();
    bob.leave();
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });
});
