import { expect } from '@open-wc/testing';
import { makeRoom, mintToken, roomName, waitFor, watchPageErrors } from './helpers.ts';

describe('<calls-room> chat without tracks', function () {
  // Several peers on two cores: generous, the waits inside are on conditions.
  this.timeout(120_000);
  it('a participant who joins muted with the camera off chats both ways; a viewer reads along', async () => {
    const watch = watchPageErrors();
    const room = roomName('chat-no-tracks');
    const ada = await makeRoom(room, 'Ada');
    const bob = await makeRoom(room, 'Bob', { muted: true, cameraOff: true });
    const vic = await makeRoom(room, 'Vic', { token: await mintToken(room, 'Vic', 'viewer') });
    await Promise.all([ada.join(), bob.join(), vic.join()]);
    const adaId = ada.state.selfId!;
    const bobId = bob.state.selfId!;
    await waitFor(
      () => ada.model?.chatReady(bobId) && bob.model?.chatReady(adaId) && vic.model?.chatReady(bobId),
      'chat channels',
    );
    // Bob publishes nothing: no tracks in presence, no outbound RTP.
    expect(ada.model!.state.participants.find((p) => p.id === bobId)?.microphone).to.equal(undefined);
    const stats = await bob.getStats();
    let outbound = 0;
    stats?.forEach((r: { type: string }) => {
      if (r.type === 'outbound-rtp') outbound++;
    });
    expect(outbound).to.equal(0);

    const atAda: string[] = [];
    const atBob: string[] = [];
    const atVic: string[] = [];
    ada.addEventListener('calls-message', (e) => atAda.push(e.detail.message.text));
    bob.addEventListener('calls-message', (e) => atBob.push(e.detail.message.text));
    vic.addEventListener('calls-message', (e) => atVic.push(e.detail.message.text));
    for (const text of ['b1', 'b2', 'b3']) bob.send(text);
    await waitFor(() => atAda.length === 3, 'three messages at Ada');
    ada.send('a1');
    ada.send('a2');
    await waitFor(() => atBob.length === 5, 'five messages at Bob');
    await waitFor(() => atVic.length === 5, 'five messages at Vic');
    expect(atAda).to.deep.equal(['b1', 'b2', 'b3', 'a1', 'a2']);
    expect(atBob).to.deep.equal(['b1', 'b2', 'b3', 'a1', 'a2']);
    expect(atVic).to.deep.equal(['b1', 'b2', 'b3', 'a1', 'a2']);
    expect(ada.state.messages.filter((m) => m.from === bobId).map((m) => m.fromName)).to.deep.equal([
      'Bob',
      'Bob',
      'Bob',
    ]);

    // The viewer reads chat but has no field to write in (viewers publish nothing, data channels included).
    const open = vic
      .shadowRoot!.querySelector('calls-controls')!
      .shadowRoot!.querySelector<HTMLButtonElement>('[part="chat-button"]')!;
    open.click();
    const chat = await waitFor(() => vic.shadowRoot!.querySelector('calls-chat'), 'chat panel');
    await chat.updateComplete;
    expect(chat.shadowRoot!.querySelectorAll('[part="message"]')).to.have.length(5);
    expect(chat.shadowRoot!.querySelector('[part="form"]')).to.equal(null);

    // Unmuting later publishes the microphone then.
    await bob.setMicrophoneEnabled(true);
    await waitFor(
      () => ada.state.participants.find((p) => p.id === bobId)?.microphone,
      'Bob microphone at Ada',
    );
    for (const r of [ada, bob, vic]) r.leave();
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });
});
