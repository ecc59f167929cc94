import { expect } from '@open-wc/testing';
import { CallsTile } from '../../src/elements/calls-tile.ts';
import { makeRoom, presentedFrame, roomName, tiles, waitFor } from './helpers.ts';

describe('<calls-room> custom layouts', () => {
  it("renders the page's own tiles in the tiles slot, fed through context", async () => {
    const room = roomName('slots');
    const ada = await makeRoom(room, 'Ada');
    const bob = await makeRoom(room, 'Bob');
    await Promise.all([ada.join(), bob.join()]);
    const bobId = bob.state.selfId!;
    await waitFor(() => ada.state.participants.some((p) => p.id === bobId), 'Bob at Ada');

    const own = new CallsTile();
    own.slot = 'tiles';
    own.participantId = bobId;
    own.source = 'camera';
    own.style.width = '320px';
    ada.append(own);
    await own.updateComplete;
    // The slotted tile replaces the built-in grid, and shows Bob's video.
    expect(tiles(ada)).to.have.length(0);
    await waitFor(() => own.participant?.camera && own.video, "Bob's video in the page's tile");
    await presentedFrame(own.video!);
    expect(own.shadowRoot!.querySelector('[part="name"]')!.textContent).to.contain('Bob');
    ada.leave();
    bob.leave();
  });
});
