import { expect } from '@open-wc/testing';
import { Peer, camera, inbound, sfuApi, until } from './harness.ts';

/** Outbound stats of the publisher's simulcast layers, by rid. */
async function layers(sender: RTCRtpSender): Promise<Map<string, { frameWidth: number; pli: number }>> {
  const out = new Map<string, { frameWidth: number; pli: number }>();
  (await sender.getStats()).forEach((s: Record<string, unknown>) => {
    if (s.type === 'outbound-rtp' && typeof s.rid === 'string') {
      out.set(s.rid, {
        frameWidth: Number(s.frameWidth ?? 0),
        pli: Number(s.pliCount ?? 0) + Number(s.firCount ?? 0),
      });
    }
  });
  return out;
}

describe('embedded SFU: simulcast', () => {
  const peers: Peer[] = [];
  afterEach(() => peers.splice(0).forEach((p) => p.close()));

  /** A publisher of a 1280×720 camera in three layers (f, h, q), and a second peer. */
  async function publishSimulcast() {
    const api = await sfuApi();
    const pub = await Peer.create(api);
    const second = await Peer.create(api);
    peers.push(pub, second);
    const { transceivers } = await pub.publish([
      {
        track: await camera({ width: 1280, height: 720 }),
        name: 'cam',
        sendEncodings: [
          { rid: 'f', maxBitrate: 1_200_000 },
          { rid: 'h', maxBitrate: 600_000, scaleResolutionDownBy: 2 },
          { rid: 'q', maxBitrate: 200_000, scaleResolutionDownBy: 4 },
        ],
      },
    ]);
    return { api, pub, second, transceivers };
  }

  it('forwards the preferred layer and switches layer with tracks/update', async () => {
    const { api, pub, second: sub, transceivers } = await publishSimulcast();
    const sender = transceivers[0]!.sender;
    // All three layers flow once the publisher's bandwidth estimate allows (the SFU's TWCC feedback).
    await until(
      async () => {
        const l = await layers(sender);
        return ['f', 'h', 'q'].every((rid) => (l.get(rid)?.frameWidth ?? 0) > 0);
      },
      'publisher sends all three layers',
      30_000,
    );

    const simulcast = { preferredRid: 'q', priorityOrdering: 'none', ridNotAvailable: 'none' } as const;
    const { response, tracks } = await sub.pull([
      { location: 'remote', sessionId: pub.sessionId, trackName: 'cam', simulcast },
    ]);
    const mid = response.tracks![0]!.mid!;
    const video = tracks.get(mid)!;
    await until(
      async () => (await inbound(sub.pc, video)).frameWidth === 320,
      'the quarter layer decodes at 320 px',
    );

    const r = await api('PUT', `/sessions/${sub.sessionId}/tracks/update`, {
      tracks: [
        {
          location: 'remote',
          sessionId: pub.sessionId,
          trackName: 'cam',
          mid,
          simulcast: { ...simulcast, preferredRid: 'f' },
        },
      ],
    });
    expect(r.status).to.equal(200);
    expect(r.json.requiresImmediateRenegotiation).to.equal(false);
    await until(
      async () => (await inbound(sub.pc, video)).frameWidth === 1280,
      'the full layer decodes at 1280 px',
    ).catch(async (e) => {
      console.log(JSON.stringify([...(await layers(sender)).entries()]));
      throw e;
    });

    const before = (await inbound(sub.pc, video)).framesDecoded;
    await until(
      async () => (await inbound(sub.pc, video)).framesDecoded > before + 10,
      'frames keep decoding after the switch',
    );
  });

  it("keeps a publisher's three layers when the SFU later sends it an offer (a pull into the same session)", async () => {
    const { pub, second: other, transceivers } = await publishSimulcast();
    await other.publish([{ track: await camera({ width: 320, height: 180 }), name: 'cam2' }]);
    // The publisher pulls: the SFU offers, the browser answers on the same peer connection.
    const { response } = await pub.pull([
      { location: 'remote', sessionId: other.sessionId, trackName: 'cam2' },
    ]);
    expect(response.tracks![0]!.errorCode).to.equal(undefined);
    const remoteOffer = pub.pc.remoteDescription?.sdp ?? '';
    expect(remoteOffer).to.match(/a=simulcast:recv f;h;q/);
    const encodings = transceivers[0]!.sender.getParameters().encodings;
    expect(encodings.map((e) => e.rid)).to.deep.equal(['f', 'h', 'q']);
    await until(
      async () => {
        const l = await layers(transceivers[0]!.sender);
        return ['f', 'h', 'q'].every((rid) => (l.get(rid)?.frameWidth ?? 0) > 0);
      },
      'all three layers still flow after the renegotiation',
      30_000,
    );
  });
});
