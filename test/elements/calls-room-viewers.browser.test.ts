import { expect } from '@open-wc/testing';
import {
  expectRemoteVideo,
  makeRoom,
  mintToken,
  remoteTiles,
  roomName,
  waitFor,
  watchPageErrors,
} from './helpers.ts';

describe('<calls-room> 1:N with viewers', function () {
  // Several peers on two cores: generous, the waits inside are on conditions.
  this.timeout(120_000);
  it('viewers publish nothing, get no device prompt, and watch the presenter', async () => {
    const watch = watchPageErrors();
    const room = roomName('webinar');
    const media = navigator.mediaDevices;
    const original = media.getUserMedia.bind(media);
    let prompts = 0;
    media.getUserMedia = function countingGetUserMedia(constraints?: MediaStreamConstraints) {
      prompts++;
      return original(constraints);
    };
    try {
      const viewers = [
        await makeRoom(room, 'Viewer 1', { token: await mintToken(room, 'Viewer 1', 'viewer') }),
        await makeRoom(room, 'Viewer 2', { token: await mintToken(room, 'Viewer 2', 'viewer') }),
      ];
      await Promise.all(viewers.map((v) => v.join()));
      expect(prompts).to.equal(0);
      for (const v of viewers) {
        expect(v.state.role).to.equal('viewer');
        expect(v.state.canPublish).to.equal(false);
        expect(v.state.tiles.some((t) => t.participantId === v.state.selfId)).to.equal(false);
        const controls = v.shadowRoot!.querySelector('calls-controls')!;
        await controls.updateComplete;
        expect(controls.shadowRoot!.querySelector('[part="mic-button"]')).to.equal(null);
      }

      const presenter = await makeRoom(room, 'Presenter', {
        token: await mintToken(room, 'Presenter', 'host'),
      });
      await presenter.join();
      for (const v of viewers) {
        await expectRemoteVideo(v, 1);
        expect(remoteTiles(v)[0]?.participant?.name).to.equal('Presenter');
      }
      // The presenter sees the audience in the room, but no tiles for them.
      await waitFor(() => presenter.state.participants.length === 3, 'three participants at the presenter');
      expect(presenter.state.tiles).to.have.length(1);
      for (const v of viewers) {
        const stats = await v.getStats();
        let outbound = 0;
        stats?.forEach((r: { type: string }) => {
          if (r.type === 'outbound-rtp') outbound++;
        });
        expect(outbound).to.equal(0);
      }
      presenter.leave();
      for (const v of viewers) v.leave();
    } finally {
      media.getUserMedia = original;
    }
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });
});
