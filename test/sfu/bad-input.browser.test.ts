import { expect } from '@open-wc/testing';
import { Peer, camera, inbound, sfuApi, until } from './harness.ts';

describe('embedded SFU: bad input beside a healthy call', () => {
  const peers: Peer[] = [];
  afterEach(() => peers.splice(0).forEach((p) => p.close()));

  it('answers every bad request with a Calls-shaped error while the call keeps flowing', async () => {
    const api = await sfuApi();
    const pub = await Peer.create(api);
    const sub = await Peer.create(api);
    peers.push(pub, sub);
    await pub.publish([{ track: await camera(), name: 'cam' }]);
    const { response, tracks } = await sub.pull([
      { location: 'remote', sessionId: pub.sessionId, trackName: 'cam' },
    ]);
    const mid = response.tracks![0]!.mid!;
    const video = tracks.get(mid)!;
    await until(async () => (await inbound(sub.pc, video)).framesDecoded > 0, 'the healthy call decodes');

    const answer = sub.pc.currentLocalDescription!.sdp;
    const bad: [string, string, unknown, number, string][] = [
      ['POST', `/sessions/${pub.sessionId}/tracks/new`, '{"tracks": [', 400, 'decoding_error'],
      ['POST', `/sessions/${pub.sessionId}/tracks/new`, { tracks: 'cam' }, 400, 'decoding_error'],
      [
        'POST',
        `/sessions/${pub.sessionId}/tracks/new`,
        {
          sessionDescription: { type: 'offer', sdp: 'v=0\r\nthis is not sdp' },
          tracks: [{ location: 'local', mid: '0', trackName: 'x' }],
        },
        400,
        'invalid_session_description',
      ],
      [
        'POST',
        `/sessions/${sub.sessionId}/tracks/new`,
        { tracks: [{ location: 'remote', sessionId: pub.sessionId, trackName: 'x'.repeat(600_000) }] },
        413,
        'payload_too_large',
      ],
      [
        'PUT',
        `/sessions/${sub.sessionId}/renegotiate`,
        { sessionDescription: { type: 'answer', sdp: answer } },
        400,
        'invalid_session_description',
      ],
      [
        'PUT',
        `/sessions/${sub.sessionId}/renegotiate`,
        { sessionDescription: { type: 'answer', sdp: 'garbage' } },
        400,
        'invalid_session_description',
      ],
      [
        'PUT',
        `/sessions/${'0'.repeat(32)}/tracks/close`,
        { tracks: [{ mid: '0' }], force: true },
        410,
        'session_error',
      ],
      [
        'POST',
        `/sessions/${sub.sessionId}/tracks/new`,
        { tracks: [{ location: 'remote' }, { location: 'local' }] },
        400,
        'invalid_params',
      ],
      [
        'PUT',
        `/sessions/${sub.sessionId}/tracks/close`,
        { tracks: [{ mid }], force: false },
        400,
        'invalid_params',
      ],
    ];
    for (const [method, path, body, status, code] of bad) {
      const res = await api(method, path, body);
      expect([res.status, res.json.errorCode], `${method} ${path}`).to.deep.equal([status, code]);
      expect(res.json.errorDescription).to.be.a('string').and.not.equal('');
    }
    // Per-item failures keep the request successful.
    const items = await api('PUT', `/sessions/${sub.sessionId}/tracks/update`, {
      tracks: [{ location: 'remote', sessionId: pub.sessionId, trackName: 'cam', mid: '99' }],
    });
    expect(items.status).to.equal(200);
    expect((items.json.tracks as { errorCode?: string }[])[0]!.errorCode).to.equal('update_track_error');

    const before = (await inbound(sub.pc, video)).framesDecoded;
    await until(
      async () => (await inbound(sub.pc, video)).framesDecoded > before + 30,
      'the call keeps decoding',
    );
    const state = await api('GET', `/sessions/${sub.sessionId}`);
    expect((state.json.tracks as { status: string }[]).map((t) => t.status)).to.deep.equal(['active']);
    expect(pub.pc.connectionState).to.equal('connected');
    expect(sub.pc.connectionState).to.equal('connected');
  });
});
