/**
 * Loss repair on the lean send path: the engine's test-only loss hook drops forwarded video packets on the
 * way to a subscriber (a werift peer that NACKs gaps, as browsers do), and the SFU answers the NACKs from its
 * own cache of what it sent, so every dropped packet still arrives.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { RtpHeader, RtpPacket } from 'werift';
import {
  OP,
  Subscriber,
  TestSfu,
  clientPeer,
  closeAfterAll,
  connected,
  itRetrying,
  until,
} from './node-harness.ts';
import { testOnlyLoss } from '../../src/sfu/engine/srtp-transport.ts';

let sfu: TestSfu;
before(async () => {
  sfu = await TestSfu.start();
});
after(() => {
  testOnlyLoss.dropOutgoingRtp = undefined;
  return sfu.close();
});
const { track, onCleanup } = closeAfterAll();

/** One-packet VP8 frames (payload descriptor S=1, then the frame header's key bit) at 30 fps. */
function sendVp8(send: (p: RtpPacket) => void, payloadType: number): { stop(): void } {
  let seq = 1000;
  let n = 0;
  const timer = setInterval(() => {
    const key = n % 60 === 0;
    const header = new RtpHeader({
      payloadType,
      sequenceNumber: seq++ & 0xffff,
      timestamp: (n++ * 3000) >>> 0,
      ssrc: 0x5151,
      marker: true,
    });
    send(
      new RtpPacket(header, Buffer.concat([Buffer.from([0x10, key ? 0x00 : 0x01]), Buffer.alloc(300, n)])),
    );
  }, 33);
  return { stop: () => clearInterval(timer) };
}

void itRetrying(
  'packets dropped on the way to a subscriber are retransmitted when it NACKs them',
  async () => {
    const pub = clientPeer();
    onCleanup(() => pub.close());
    const sessionId = await sfu.newSession();
    const t = pub.addTransceiver('video', { direction: 'sendonly' });
    await pub.setLocalDescription(await pub.createOffer());
    const published = await sfu.call(OP.tracksNew, {
      sessionId,
      body: {
        sessionDescription: { type: 'offer', sdp: pub.localDescription!.sdp },
        tracks: [{ location: 'local', mid: t.mid, trackName: 'cam' }],
      },
    });
    assert.equal(published.status, 200, JSON.stringify(published.body));
    await pub.setRemoteDescription(published.body.sessionDescription!);
    await connected(pub);
    const media = sendVp8((p) => void t.sender.sendRtp(p), t.codecs[0]?.payloadType ?? 96);
    onCleanup(() => media.stop());

    const sub = track(await new Subscriber(sfu).init());
    const seen = new Set<number>();
    sub.pc.onTrack.subscribe((tr) => tr.onReceiveRtp.subscribe((p) => seen.add(p.header.sequenceNumber)));
    const dropped = new Set<number>();
    let originals = 0;
    testOnlyLoss.dropOutgoingRtp = (_ssrc, seq) => {
      // Every 7th packet, after the first few, lost on first sending.
      if (++originals > 5 && originals % 7 === 0 && dropped.size < 12) {
        dropped.add(seq);
        return true;
      }
      return false;
    };
    const pull = await sub.pullRequest([{ sessionId, trackName: 'cam' }]);
    assert.equal(pull.status, 200, JSON.stringify(pull.body));
    assert.equal((await sub.accept(pull.body.sessionDescription)).status, 200);
    await connected(sub.pc);
    await until(() => dropped.size >= 12, 'twelve packets dropped on the way', 20_000);
    await until(
      () => [...dropped].every((seq) => seen.has(seq)),
      `every dropped packet arrives by retransmission (missing ${[...dropped].filter((s) => !seen.has(s)).join(',')})`,
      20_000,
    );
    testOnlyLoss.dropOutgoingRtp = undefined;
  },
);
