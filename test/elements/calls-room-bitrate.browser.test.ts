import { expect } from '@open-wc/testing';
import type { CallsRoom } from '../../src/elements/calls-room.ts';
import { expectRemoteVideo, makeRoom, mintToken, roomName, waitFor, watchPageErrors } from './helpers.ts';

function cameraSender(room: CallsRoom): RTCRtpSender | undefined {
  const pc = room.model?.sfuSession?.peerConnection;
  return pc?.getTransceivers().find((t) => t.sender.track?.kind === 'video')?.sender;
}

const encodings = (room: CallsRoom) =>
  (cameraSender(room)?.getParameters().encodings ?? []).map((e) => [e.rid, e.maxBitrate, e.maxFramerate]);

describe('<calls-room> live camera limits', function () {
  // Several peers on two cores: generous, the waits inside are on conditions.
  this.timeout(120_000);
  it('max-bitrate and max-framerate apply to the live sender with no renegotiation', async () => {
    const watch = watchPageErrors();
    const room = roomName('bitrate');
    const ada = await makeRoom(room, 'Ada', { muted: true });
    // Bob watches: Ada pulls nothing, so no SFU offer touches her simulcast m-line (the embedded SFU's offers
    // carry no rid/simulcast lines, and Chrome's answer to one drops the extra layers).
    const bob = await makeRoom(room, 'Bob', { token: await mintToken(room, 'Bob', 'viewer') });
    await Promise.all([ada.join(), bob.join()]);
    await expectRemoteVideo(bob, 1);
    expect(encodings(ada)).to.deep.equal([
      ['f', 1_200_000, undefined],
      ['h', 600_000, undefined],
      ['q', 200_000, undefined],
    ]);

    // From here on, any offer/answer on either peer connection would show up as a signaling state change.
    const pcs = [ada, bob].map((r) => r.model!.sfuSession!.peerConnection);
    await waitFor(() => pcs.every((pc) => pc.signalingState === 'stable'), 'no negotiation under way');
    let negotiations = 0;
    const count = () => negotiations++;
    for (const pc of pcs) {
      pc.addEventListener('signalingstatechange', count);
      pc.addEventListener('negotiationneeded', count);
    }

    ada.setAttribute('max-bitrate', '600000');
    ada.setAttribute('max-framerate', '15');
    await waitFor(() => encodings(ada)[0]?.[1] === 600_000 && encodings(ada)[0]?.[2] === 15, 'new limits');
    expect(encodings(ada)).to.deep.equal([
      ['f', 600_000, 15],
      ['h', 300_000, 15],
      ['q', 100_000, 15],
    ]);
    await expectRemoteVideo(bob, 1);

    // Removing the frame rate cap lifts it again.
    ada.removeAttribute('max-framerate');
    await waitFor(() => encodings(ada)[0]?.[2] === undefined, 'frame rate cap lifted');
    expect(encodings(ada)[1]).to.deep.equal(['h', 300_000, undefined]);
    await expectRemoteVideo(bob, 1);
    expect(negotiations).to.equal(0);

    for (const pc of pcs) {
      pc.removeEventListener('signalingstatechange', count);
      pc.removeEventListener('negotiationneeded', count);
    }
    ada.leave();
    bob.leave();
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });
});
