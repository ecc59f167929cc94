import { expect } from '@open-wc/testing';
import { Peer, camera, inbound, microphone, sfuApi, until } from './harness.ts';

async function sentWidth(sender: RTCRtpSender): Promise<number> {
  let width = 0;
  (await sender.getStats()).forEach((s: Record<string, unknown>) => {
    if (s.type === 'outbound-rtp') width = Math.max(width, Number(s.frameWidth ?? 0));
  });
  return width;
}

describe('embedded SFU: media', () => {
  const peers: Peer[] = [];
  afterEach(() => peers.splice(0).forEach((p) => p.close()));

  it('forwards camera and microphone from one session to another: frames decode, audio arrives', async () => {
    const api = await sfuApi();
    const pub = await Peer.create(api);
    const sub = await Peer.create(api);
    peers.push(pub, sub);
    const published = await pub.publish([
      { track: await camera(), name: 'cam' },
      { track: await microphone(), name: 'mic' },
    ]);
    // The SFU answers as DTLS server: the browser drives the handshake.
    expect(published.response.sessionDescription!.sdp).to.match(/a=setup:passive/);
    const { response, tracks } = await sub.pull([
      { location: 'remote', sessionId: pub.sessionId, trackName: 'cam' },
      { location: 'remote', sessionId: pub.sessionId, trackName: 'mic' },
    ]);
    expect(response.tracks?.map((t) => t.errorCode)).to.deep.equal([undefined, undefined]);
    const mids = response.tracks!.map((t) => t.mid!);
    const video = tracks.get(mids[0]!)!;
    const audio = tracks.get(mids[1]!)!;
    expect(video.kind).to.equal('video');
    expect(audio.kind).to.equal('audio');
    await until(async () => (await inbound(sub.pc, video)).framesDecoded > 5, 'decoded video frames');
    // Chrome decodes remote audio once something plays it out.
    const player = new Audio();
    player.srcObject = new MediaStream([audio]);
    await player.play();
    await until(
      async () => (await inbound(sub.pc, audio)).totalSamplesReceived > 4800,
      'decoded audio samples',
    );
    player.srcObject = null;
    // The picture arrives as the publisher encodes it: 640 px in Chromium; Firefox starts smaller and grows
    // with its bandwidth estimate.
    await until(async () => {
      const received = (await inbound(sub.pc, video)).frameWidth;
      return received > 0 && received === (await sentWidth(published.transceivers[0]!.sender));
    }, 'the subscriber decodes the width the publisher sends');
    if (!navigator.userAgent.includes('Firefox'))
      expect((await inbound(sub.pc, video)).frameWidth).to.equal(640);
  });
});
