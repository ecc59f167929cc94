import { expect } from '@open-wc/testing';
import type { CallsRoom } from '../../src/elements/calls-room.ts';
import type { CallsNetworkQualityChangeEvent, CallsStatsEvent } from '../../src/elements/events.ts';
import {
  expectRemoteVideo,
  makeRoom,
  nextEvent,
  roomName,
  tiles,
  waitFor,
  watchPageErrors,
} from './helpers.ts';

function cameraSender(room: CallsRoom): RTCRtpSender | undefined {
  const pc = room.model?.sfuSession?.peerConnection;
  return pc?.getTransceivers().find((t) => t.sender.track?.kind === 'video')?.sender;
}

describe('<calls-room> network quality and stats', function () {
  // Samples come every 10 s and quality every 2 s: generous, the waits inside are on events.
  this.timeout(180_000);
  it('calls-stats carries the sample; a sender capped far below its needs is poor for bandwidth', async () => {
    const watch = watchPageErrors();
    const room = roomName('quality');
    const ada = await makeRoom(room, 'Ada', { muted: true });
    const bob = await makeRoom(room, 'Bob', { muted: true });
    const qualityAtAda: CallsNetworkQualityChangeEvent['detail'][] = [];
    ada.addEventListener('calls-network-quality-change', (e) => qualityAtAda.push(e.detail));
    await Promise.all([ada.join(), bob.join()]);
    await expectRemoteVideo(bob, 1);
    const adaId = ada.state.selfId!;

    // A 10 s sample at Bob: Ada's video as received (bitrate, frames, resolution, layer), and his own send.
    const stats: CallsStatsEvent = await nextEvent(
      bob,
      'calls-stats',
      (e) =>
        [adaId, bob.state.selfId].every((id) =>
          e.detail.samples.some(
            (s) => s.participantId === id && s.tracks.some((t) => t.kind === 'video' && t.bitrate > 0),
          ),
        ),
      60_000,
    );
    const received = stats.detail.samples.find((s) => s.participantId === adaId)!;
    expect(received.local).to.equal(false);
    const video = received.tracks.find((t) => t.kind === 'video')!;
    expect(video.direction).to.equal('recv');
    expect(video.source).to.equal('camera');
    expect(video.fps).to.be.greaterThan(0);
    expect(video.height).to.be.greaterThan(0);
    expect(video.freezeCount).to.be.a('number');
    expect(received.quality).to.be.oneOf(['good', 'fair', 'poor']);
    const own = stats.detail.samples.find((s) => s.local)!;
    expect(own.participantId).to.equal(bob.state.selfId);
    expect(own.tracks.find((t) => t.kind === 'video')!.bitrate).to.be.greaterThan(0);
    // No names in a sample.
    expect(JSON.stringify(stats.detail)).not.to.contain('Ada');

    // The tiles show the same classification as the events.
    await waitFor(() => qualityAtAda.some((q) => q.participantId === adaId), 'Ada measures her own link');
    const adaTileAtAda = () => tiles(ada).find((t) => t.participant?.id === adaId && t.source === 'camera');
    await waitFor(
      () => adaTileAtAda()?.shadowRoot?.querySelector('[part="quality"]'),
      'a quality dot on her own tile',
    );

    // Ada's link can carry only 30 kbit/s per layer: her encoder is held back by bandwidth, far below what it needs.
    const sender = cameraSender(ada)!;
    const parameters = sender.getParameters();
    for (const e of parameters.encodings) e.maxBitrate = 30_000;
    await sender.setParameters(parameters);
    const poor = await nextEvent(
      ada,
      'calls-network-quality-change',
      (e) => e.detail.participantId === adaId && e.detail.quality === 'poor',
      60_000,
    );
    expect(poor.detail.reason).to.equal('bandwidth');
    // The snapshot follows with the next change notification.
    await waitFor(() => {
      const self = ada.state.participants.find((p) => p.id === adaId);
      return self?.quality === 'poor' && self.qualityReason === 'bandwidth';
    }, 'her snapshot says poor for bandwidth');
    await waitFor(
      () => adaTileAtAda()?.shadowRoot?.querySelector('[part="quality"]')?.classList.contains('poor'),
      'her tile shows poor',
    );
    const dot = adaTileAtAda()!.shadowRoot!.querySelector('[part="quality"]')!;
    expect(dot.getAttribute('title')).to.equal('Poor connection (low bandwidth)');
    ada.leave();
    bob.leave();
    watch.stop();
    expect(watch.errors).to.deep.equal([]);
  });
});
