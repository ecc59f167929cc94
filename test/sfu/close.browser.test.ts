import { expect } from '@open-wc/testing';
import { Peer, camera, inbound, microphone, sfuApi, until } from './harness.ts';

/** Resolves once the track's received bytes stop growing for a second (the SFU stopped forwarding). */
async function stopsFlowing(pc: RTCPeerConnection, track: MediaStreamTrack): Promise<void> {
  let last = -1;
  let since = performance.now();
  await until(async () => {
    const bytes = (await inbound(pc, track)).bytesReceived;
    if (bytes !== last) {
      last = bytes;
      since = performance.now();
    }
    return performance.now() - since > 1000;
  }, 'the closed track stops receiving');
}

async function keepsFlowing(pc: RTCPeerConnection, track: MediaStreamTrack): Promise<void> {
  const before = (await inbound(pc, track)).packetsReceived;
  await until(
    async () => (await inbound(pc, track)).packetsReceived > before + 20,
    'the other track keeps flowing',
  );
}

describe('embedded SFU: closing tracks', () => {
  const peers: Peer[] = [];
  afterEach(() => peers.splice(0).forEach((p) => p.close()));

  it('stops a pulled track closed by negotiation and one closed by force; the others keep flowing', async () => {
    const api = await sfuApi();
    const pub = await Peer.create(api);
    const sub = await Peer.create(api);
    peers.push(pub, sub);
    await pub.publish([
      { track: await camera(), name: 'cam' },
      { track: await microphone(), name: 'mic' },
      { track: await camera({ width: 320, height: 180 }), name: 'cam2' },
    ]);
    // The subscriber's first m-section (Chrome's BUNDLE tag) is its own published microphone, as in a real
    // call: Chrome moves to a new transport when the BUNDLE-tag section is stopped (see README).
    await sub.publish([{ track: await microphone(), name: 'own-mic' }]);
    const { response, tracks } = await sub.pull(
      ['cam', 'mic', 'cam2'].map((trackName) => ({
        location: 'remote' as const,
        sessionId: pub.sessionId,
        trackName,
      })),
    );
    const [camMid, micMid, cam2Mid] = response.tracks!.map((t) => t.mid!);
    const cam = tracks.get(camMid!)!;
    const mic = tracks.get(micMid!)!;
    const cam2 = tracks.get(cam2Mid!)!;
    await until(async () => (await inbound(sub.pc, cam)).framesDecoded > 0, 'cam decodes');
    await until(async () => (await inbound(sub.pc, cam2)).framesDecoded > 0, 'cam2 decodes');

    // Negotiated close, as partytracks does it: stop the transceiver, offer, tracks/close, answer.
    const transceiver = sub.pc.getTransceivers().find((t) => t.mid === camMid)!;
    transceiver.stop();
    await sub.pc.setLocalDescription(await sub.pc.createOffer());
    const closed = await api('PUT', `/sessions/${sub.sessionId}/tracks/close`, {
      tracks: [{ mid: camMid }],
      sessionDescription: { type: 'offer', sdp: sub.pc.localDescription!.sdp },
      force: false,
    });
    expect(closed.status).to.equal(200);
    expect(closed.json.tracks).to.deep.equal([{ mid: camMid }]);
    await sub.pc.setRemoteDescription(closed.json.sessionDescription as RTCSessionDescriptionInit);
    expect(sub.pc.signalingState).to.equal('stable');
    await keepsFlowing(sub.pc, cam2);
    await keepsFlowing(sub.pc, mic);

    // Forced close: no SDP; the SFU just stops forwarding.
    const forced = await api('PUT', `/sessions/${sub.sessionId}/tracks/close`, {
      tracks: [{ mid: micMid }],
      force: true,
    });
    expect(forced.status).to.equal(200);
    expect(forced.json.sessionDescription).to.equal(undefined);
    await stopsFlowing(sub.pc, mic);
    await keepsFlowing(sub.pc, cam2);

    const state = await api('GET', `/sessions/${sub.sessionId}`);
    const pulled = (state.json.tracks as { location: string; mid: string; status: string }[]).filter(
      (t) => t.location === 'remote',
    );
    const status = Object.fromEntries(pulled.map((t) => [t.mid, t.status]));
    expect(status).to.deep.equal({ [camMid!]: 'inactive', [micMid!]: 'inactive', [cam2Mid!]: 'active' });

    // Closing again reports the track as already closed.
    const again = await api('PUT', `/sessions/${sub.sessionId}/tracks/close`, {
      tracks: [{ mid: micMid }],
      force: true,
    });
    expect((again.json.tracks as { errorCode: string }[])[0]!.errorCode).to.equal('close_track_error');
  });
});
