import { expect } from '@open-wc/testing';
import { Peer, sfuApi, until, type Api } from './harness.ts';

/** `datachannels/establish` with an SFU offer, answered through /renegotiate; waits for `connected`. */
async function establish(api: Api, peer: Peer): Promise<void> {
  const res = await api('POST', `/sessions/${peer.sessionId}/datachannels/establish`, {
    dataChannel: { location: 'remote', dataChannelName: 'server-events' },
  });
  expect(res.status).to.equal(200);
  expect(res.json.requiresImmediateRenegotiation).to.equal(true);
  await peer.pc.setRemoteDescription(res.json.sessionDescription as RTCSessionDescriptionInit);
  await peer.pc.setLocalDescription(await peer.pc.createAnswer());
  const r = await api('PUT', `/sessions/${peer.sessionId}/renegotiate`, {
    sessionDescription: { type: 'answer', sdp: peer.pc.localDescription!.sdp },
  });
  expect(r.status).to.equal(200);
  await peer.connected();
}

function opened(channel: RTCDataChannel): Promise<void> {
  return channel.readyState === 'open'
    ? Promise.resolve()
    : new Promise((resolve) => channel.addEventListener('open', () => resolve(), { once: true }));
}

describe('embedded SFU: data channels', () => {
  const peers: Peer[] = [];
  afterEach(() => peers.splice(0).forEach((p) => p.close()));

  it("relays a publisher's messages to two subscribers, in order", async () => {
    const api = await sfuApi();
    const [pub, a, b] = await Promise.all([Peer.create(api), Peer.create(api), Peer.create(api)]);
    peers.push(pub, a, b);
    await Promise.all([pub, a, b].map((p) => establish(api, p)));

    const local = await api('POST', `/sessions/${pub.sessionId}/datachannels/new`, {
      dataChannels: [{ location: 'local', dataChannelName: 'chat' }],
    });
    expect(local.status).to.equal(200);
    const pubId = (local.json.dataChannels as { id: number }[])[0]!.id;
    const sending = pub.pc.createDataChannel('chat', { negotiated: true, id: pubId });

    const received = new Map<Peer, string[]>();
    const channels: RTCDataChannel[] = [sending];
    for (const sub of [a, b]) {
      const remote = await api('POST', `/sessions/${sub.sessionId}/datachannels/new`, {
        dataChannels: [{ location: 'remote', sessionId: pub.sessionId, dataChannelName: 'chat' }],
      });
      expect(remote.status).to.equal(200);
      const item = (remote.json.dataChannels as { id: number; sessionId: string; errorCode?: string }[])[0]!;
      expect(item.errorCode).to.equal(undefined);
      expect(item.sessionId).to.equal(pub.sessionId);
      const channel = sub.pc.createDataChannel('chat-sub', { negotiated: true, id: item.id });
      const log: string[] = [];
      channel.addEventListener('message', (e: MessageEvent<string>) => log.push(e.data));
      received.set(sub, log);
      channels.push(channel);
    }
    await Promise.all(channels.map(opened));

    const messages = Array.from({ length: 100 }, (_, i) => `message ${i}`);
    for (const m of messages) sending.send(m);
    await until(
      () => [...received.values()].every((log) => log.length === messages.length),
      'both subscribers get every message',
    );
    for (const log of received.values()) expect(log).to.deep.equal(messages);

    // A subscriber without canReply cannot talk back to the publisher.
    const back: string[] = [];
    sending.addEventListener('message', (e: MessageEvent<string>) => back.push(e.data));
    channels[1]!.send('should be dropped');
    sending.send('fence');
    await until(() => received.get(a)!.at(-1) === 'fence', 'the fence message arrives');
    expect(back).to.deep.equal([]);
  });
});
