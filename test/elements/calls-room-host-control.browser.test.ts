/**
 * Issue 13 through the real backend and SFU: the lobby (waiting view, knock, admit by keyboard, deny,
 * cancel), lock, mute-all, end for all, and a guest calling host methods.
 */
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { CallsRoom } from '../../src/elements/calls-room.ts';
import { part, removeRooms, roomWith } from './host-helpers.ts';
import { mintToken, nextEvent, remoteTiles, roomName, waitFor } from './helpers.ts';

const errorCode = (room: CallsRoom) => nextEvent(room, 'calls-error').then((e) => e.detail.code);

describe('<calls-room> lobby and host control', function () {
  this.timeout(120_000);
  afterEach(removeRooms);

  it('lobby: a guest waits (own preview, cancel, no Calls session), the host is told and admits by keyboard', async () => {
    const room = roomName('lobby');
    const hana = await roomWith(room, 'Hana', { token: await mintToken(room, 'Hana', 'host'), lobby: true });
    await nextEvent(hana, 'calls-joined');
    await waitFor(() => hana.state.lobby, 'lobby on');

    const knock = nextEvent(hana, 'calls-knock');
    const gus = await roomWith(room, 'Gus', { cameraOff: true });
    await waitFor(() => gus.state.status === 'waiting', 'Gus waiting');
    expect((await knock).detail.participant.name).to.equal('Gus');
    // No Calls session and nobody's media while waiting.
    expect(gus.model?.sfuSession).to.equal(undefined);
    expect(gus.state.participants).to.deep.equal([]);
    await gus.updateComplete;
    expect(part(gus, 'waiting')?.textContent).to.contain('Waiting for a host to let you in');
    expect(part(gus, 'cancel-button')).to.not.equal(null);
    await waitFor(() => gus.shadowRoot!.querySelector('[part="waiting"] video'), 'own preview');

    await hana.updateComplete;
    expect(hana.shadowRoot!.querySelector('[part="live-region"]')!.textContent).to.contain(
      'Gus is waiting to join',
    );
    const admit = await waitFor(() => part(hana, 'admit-button'), 'admit button');
    const joined = nextEvent(gus, 'calls-joined');
    admit.focus();
    await sendKeys({ press: 'Enter' });
    await joined;
    expect(gus.model?.sfuSession).to.not.equal(undefined);
    await waitFor(() => remoteTiles(gus)[0], 'Hana at Gus');
    await waitFor(() => !part(hana, 'admit-button'), 'notice gone');

    // Denied: a stable code; cancel: off the host's list.
    const dora = await roomWith(room, 'Dora', { cameraOff: true });
    const denied = errorCode(dora);
    await waitFor(() => hana.state.waiting.length === 1, 'Dora waiting');
    hana.deny(hana.state.waiting[0]!.id);
    expect(await denied).to.equal('lobby-denied');
    await waitFor(() => dora.state.status === 'failed', 'Dora out');
    const carl = await roomWith(room, 'Carl', { cameraOff: true });
    await waitFor(() => hana.state.waiting.length === 1, 'Carl waiting');
    await carl.updateComplete;
    part(carl, 'cancel-button')!.click();
    await waitFor(() => hana.state.waiting.length === 0, 'Carl gone from the list');
  });

  it('lock, mute all, end for all; a guest calling host methods gets host-only', async () => {
    const room = roomName('host');
    const hana = await roomWith(room, 'Hana', { token: await mintToken(room, 'Hana', 'host'), muted: true });
    const gus = await roomWith(room, 'Gus', { cameraOff: true });
    await Promise.all([hana.join(), gus.join()]);
    await waitFor(() => gus.state.microphoneEnabled, 'Gus microphone on');

    for (const call of [
      () => gus.muteAll(),
      () => gus.lock(),
      () => gus.endMeeting(),
      () => gus.admit('x'),
    ]) {
      const code = errorCode(gus);
      expect(call).to.throw();
      expect(await code).to.equal('host-only');
    }

    const muted = nextEvent(gus, 'calls-muted-by-host');
    hana.muteAll();
    expect((await muted).detail.kind).to.equal('audio');
    await waitFor(() => !gus.state.microphoneEnabled, 'Gus muted');

    const locked = nextEvent(gus, 'calls-locked-change');
    hana.lock();
    expect((await locked).detail.locked).to.equal(true);
    const late = await roomWith(room, 'Late', { cameraOff: true });
    expect(await errorCode(late)).to.equal('room-locked');
    const unlocked = nextEvent(hana, 'calls-locked-change');
    hana.unlock();
    expect((await unlocked).detail.locked).to.equal(false);

    const ends = [hana, gus].map((r) => nextEvent(r, 'calls-left'));
    hana.endMeeting();
    for (const left of await Promise.all(ends)) expect(left.detail.reason).to.equal('ended');
    await gus.updateComplete;
    expect(part(gus, 'status')?.textContent).to.contain('A host ended the meeting.');
  });
});
