import { expect } from '@open-wc/testing';
import {
  expectRemoteVideo,
  makeRoom,
  nextEvent,
  presentedFrame,
  remoteTiles,
  roomName,
  tiles,
  waitFor,
  watchPageErrors,
} from './helpers.ts';

describe('<calls-room> screen share and prejoin', () => {
  it('a screen share gets a tile of its own at the others, and goes away when stopped', async () => {
    const watch = watchPageErrors();
    const room = roomName('screen');
    const ada = await makeRoom(room, 'Ada');
    const bob = await makeRoom(room, 'Bob');
    await Promise.all([ada.join(), bob.join()]);
    await expectRemoteVideo(bob, 1);
    const published = nextEvent(ada, 'calls-track-published', (e) => e.detail.source === 'screen');
    await ada.startScreenShare();
    await published;
    expect(ada.state.screenSharing).to.equal(true);
    const screenTile = await waitFor(
      () => remoteTiles(bob, 'screen').find((t) => t.participant?.screen && t.video),
      'a screen tile at Bob',
    );
    await presentedFrame(screenTile.video!);
    expect(tiles(bob)).to.have.length(3);
    await ada.stopScreenShare();
    await waitFor(() => tiles(bob).length === 2, 'the screen tile gone');
    ada.leave();
    bob.leave();
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });

  it('prejoin: joins from the button, then focus moves to the controls', async () => {
    const room = roomName('prejoin');
    const ada = await makeRoom(room, 'Ada', { prejoin: true });
    await ada.updateComplete;
    expect(ada.state.status).to.equal('idle');
    const button = ada.shadowRoot!.querySelector<HTMLButtonElement>('[part="join-button"]')!;
    const joined = nextEvent(ada, 'calls-joined');
    button.click();
    await joined;
    const controls = await waitFor(() => ada.shadowRoot!.querySelector('calls-controls'), 'controls');
    await waitFor(
      () => controls.shadowRoot?.activeElement?.getAttribute('part') === 'mic-button',
      'focus on the mic',
    );
    ada.leave();
    await waitFor(() => ada.state.status === 'left', 'left');
    await ada.updateComplete;
    expect(ada.shadowRoot!.querySelector('[part="join-button"]')).to.not.equal(null);
  });
});
