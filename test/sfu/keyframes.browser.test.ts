import { expect } from '@open-wc/testing';
import { Peer, camera, inbound, sfuApi, until } from './harness.ts';

async function pliCount(sender: RTCRtpSender): Promise<number> {
  let n = 0;
  (await sender.getStats()).forEach((s: Record<string, unknown>) => {
    if (s.type === 'outbound-rtp') n += Number(s.pliCount ?? 0) + Number(s.firCount ?? 0);
  });
  return n;
}

async function framesEncoded(sender: RTCRtpSender): Promise<number> {
  let n = 0;
  (await sender.getStats()).forEach((s: Record<string, unknown>) => {
    if (s.type === 'outbound-rtp') n += Number(s.framesEncoded ?? 0);
  });
  return n;
}

describe('embedded SFU: keyframes', () => {
  const peers: Peer[] = [];
  afterEach(() => peers.splice(0).forEach((p) => p.close()));

  it('gives a late joiner a decoded frame by asking the publisher for a keyframe', async () => {
    const api = await sfuApi();
    const pub = await Peer.create(api);
    peers.push(pub);
    const { transceivers } = await pub.publish([{ track: await camera(), name: 'cam' }]);
    const sender = transceivers[0]!.sender;
    // Well past the first keyframe: Chrome sends no periodic keyframes, so only a request brings one.
    await until(async () => (await framesEncoded(sender)) > 60, 'publisher encodes for a while');
    const plisBefore = await pliCount(sender);

    const late = await Peer.create(api);
    peers.push(late);
    const { response, tracks } = await late.pull([
      { location: 'remote', sessionId: pub.sessionId, trackName: 'cam' },
    ]);
    const video = tracks.get(response.tracks![0]!.mid!)!;
    await until(async () => (await inbound(late.pc, video)).framesDecoded > 0, 'late joiner decodes a frame');
    expect(await pliCount(sender)).to.be.greaterThan(plisBefore);
  });
});
