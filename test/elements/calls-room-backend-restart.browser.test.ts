import { expect } from '@open-wc/testing';
import { restartBackend } from '../helpers/env.ts';
import {
  expectRemoteVideo,
  makeRoom,
  remoteTiles,
  roomName,
  tiles,
  waitFor,
  watchPageErrors,
} from './helpers.ts';

describe('<calls-room> backend restart', function () {
  // Several peers on two cores: generous, the waits inside are on conditions.
  this.timeout(120_000);
  it('a call survives a backend restart: same sessions, video both ways, a newcomer sees everyone', async () => {
    const watch = watchPageErrors();
    const room = roomName('restart');
    const ada = await makeRoom(room, 'Ada');
    const bob = await makeRoom(room, 'Bob');
    await Promise.all([ada.join(), bob.join()]);
    await expectRemoteVideo(ada, 1);
    await expectRemoteVideo(bob, 1);
    const peers = [ada, bob].map((el) => {
      const errors: string[] = [];
      el.addEventListener('calls-error', (e) => errors.push(e.detail.code));
      return { el, session: el.model!.sfuSession!, selfId: el.state.selfId, errors };
    });

    // The backend restarts (same port and data directory); the SFU and its sessions stay. Presence is
    // rebuilt as the widgets reconnect: each comes back as a new participant and announces its session again.
    await restartBackend();
    for (const { el, selfId } of peers) {
      await waitFor(
        () => el.state.selfId !== selfId && el.state.connection === 'connected',
        `${el.name} back in presence`,
        60_000,
      );
    }
    for (const { el } of peers) {
      await waitFor(
        () => el.state.participants.filter((p) => !p.isLocal && p.connected).length === 1,
        `${el.name} sees the other again`,
        60_000,
      );
    }
    await expectRemoteVideo(ada, 1);
    await expectRemoteVideo(bob, 1);
    for (const { el, session, errors } of peers) {
      // Owners keep their sessions: the restored bindings accepted every re-announcement and request.
      expect(el.model!.sfuSession, `${el.name} kept its Calls session`).to.equal(session);
      expect(session.state).to.equal('connected');
      expect(errors, el.name).to.deep.equal([]);
      expect(tiles(el)).to.have.length(2);
    }

    // A newcomer after the restart pulls everyone.
    const cy = await makeRoom(room, 'Cy');
    await cy.join();
    await expectRemoteVideo(cy, 2);
    await expectRemoteVideo(ada, 2);
    await expectRemoteVideo(bob, 2);
    expect(remoteTiles(cy)).to.have.length(2);
    for (const el of [ada, bob, cy]) el.leave();
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });
});
