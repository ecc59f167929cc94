import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { CallsRoom } from '../../src/elements/calls-room.ts';
import type { CallsTile } from '../../src/elements/calls-tile.ts';
import {
  makeRoom,
  mintToken,
  nextEvent,
  remoteTiles,
  roomName,
  tiles,
  waitFor,
  watchPageErrors,
} from './helpers.ts';

const button = (tile: CallsTile | undefined, part: string) =>
  tile?.shadowRoot?.querySelector<HTMLButtonElement>(`[part="${part}"]`) ?? null;

const statusText = (room: CallsRoom) => room.shadowRoot!.querySelector('[part="status"]')?.textContent ?? '';

describe('<calls-room> moderation', function () {
  // Several peers on two cores: generous, the waits inside are on conditions.
  this.timeout(120_000);
  it('a host mutes (keyboard) and removes a guest from their tile; guests see no such controls', async () => {
    const watch = watchPageErrors();
    const room = roomName('moderation');
    const hana = await makeRoom(room, 'Hana', { token: await mintToken(room, 'Hana', 'host') });
    const gus = await makeRoom(room, 'Gus', { cameraOff: true });
    await Promise.all([hana.join(), gus.join()]);
    const gusId = gus.state.selfId!;
    const tile = await waitFor(() => remoteTiles(hana)[0], 'Gus tile at Hana');
    await tile.updateComplete;
    const mute = button(tile, 'mute-button')!;
    const remove = button(tile, 'remove-button')!;
    expect(mute.getAttribute('aria-label')).to.equal('Mute: Gus');
    expect(remove.getAttribute('aria-label')).to.equal('Remove: Gus');
    // Not on the host's own tile, and nowhere at the guest.
    const own = tiles(hana).find((t) => t.participant?.isLocal);
    expect(button(own, 'mute-button')).to.equal(null);
    await waitFor(() => remoteTiles(gus)[0], 'Hana tile at Gus');
    for (const t of tiles(gus)) {
      await t.updateComplete;
      expect(button(t, 'mute-button')).to.equal(null);
      expect(button(t, 'remove-button')).to.equal(null);
    }
    await waitFor(() => gus.state.microphoneEnabled, 'Gus microphone on');
    await expect(hana).to.be.accessible();

    // Mute by keyboard: the guest's microphone turns off, they are told, and the host sees it.
    mute.focus();
    await sendKeys({ press: 'Enter' });
    await waitFor(() => !gus.state.microphoneEnabled, 'Gus microphone off');
    await gus.updateComplete;
    expect(statusText(gus)).to.contain('A host muted your microphone.');
    expect(gus.shadowRoot!.querySelector('[part="live-region"]')!.textContent).to.contain(
      'A host muted your microphone.',
    );
    const controls = gus.shadowRoot!.querySelector('calls-controls')!;
    await controls.updateComplete;
    expect(controls.shadowRoot!.querySelector('[part="mic-button"]')!.getAttribute('aria-pressed')).to.equal(
      'false',
    );
    await waitFor(() => remoteTiles(hana)[0]?.participant?.state.muted, 'Hana sees Gus muted');
    // Unmuting is the guest's own decision, and clears the notice.
    await gus.setMicrophoneEnabled(true);
    await gus.updateComplete;
    expect(statusText(gus)).to.not.contain('A host muted');

    // Remove: the guest leaves with a stable code, once.
    const errors: string[] = [];
    gus.addEventListener('calls-error', (e) => errors.push(e.detail.code));
    const left = nextEvent(gus, 'calls-left');
    const gone = nextEvent(hana, 'calls-participant-left');
    remove.click();
    expect((await left).detail.reason).to.equal('removed');
    const seen = await gone;
    expect(seen.detail.participant.id).to.equal(gusId);
    expect(seen.detail.reason).to.equal('removed');
    expect(errors).to.deep.equal(['removed']);
    expect(gus.state.status).to.equal('failed');
    await waitFor(() => tiles(hana).length === 1, 'Gus tile gone at Hana');
    hana.leave();
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });

  it('muteParticipant(id, "video") turns off a guest\'s camera; guests cannot moderate', async () => {
    const room = roomName('moderation-api');
    const hana = await makeRoom(room, 'Hana', { token: await mintToken(room, 'Hana', 'host'), muted: true });
    const gus = await makeRoom(room, 'Gus', { muted: true });
    await Promise.all([hana.join(), gus.join()]);
    await waitFor(() => gus.state.cameraEnabled, 'Gus camera on');
    const hanaId = hana.state.selfId!;
    // A guest's request is refused by the server: Hana's camera stays on.
    const refused = nextEvent(gus, 'calls-error');
    gus.muteParticipant(hanaId, 'video');
    expect((await refused).detail.code).to.equal('presence-failed');
    expect(hana.state.cameraEnabled).to.equal(true);

    hana.muteParticipant(gus.state.selfId!, 'video');
    await waitFor(() => !gus.state.cameraEnabled, 'Gus camera off');
    await gus.updateComplete;
    expect(statusText(gus)).to.contain('A host turned off your camera.');
    gus.lang = 'de';
    await gus.updateComplete;
    expect(statusText(gus)).to.contain('Die Moderation hat Ihre Kamera ausgeschaltet.');
    hana.leave();
    gus.leave();
  });
});
