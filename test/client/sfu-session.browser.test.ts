/// <reference types="mocha" />
/**
 * SfuSession against the real embedded SFU in real Chromium: media must decode on the far side, batching is
 * counted on the wire, and closes must stop exactly the tracks they name.
 */
import { expect } from '@open-wc/testing';
import { CallsItemError } from '../../src/client/calls-api.ts';
import { SfuSession, type PulledTrack } from '../../src/client/sfu-session.ts';
import {
  audioReceived,
  camera,
  cameraAndMic,
  framesDecodedAbove,
  inbound,
  receptionStops,
  callsApiOnSfu,
  stopPlayers,
  waitFor,
  type RecordedRequest,
} from './sfu-test-utils.ts';

// `await expect(…).to.equal(…)`: @open-wc's dom-diff plugin types `equal` as async (it is sync for values).

const sessions: SfuSession[] = [];
const tracks: MediaStreamTrack[] = [];

async function newSession(api: Awaited<ReturnType<typeof callsApiOnSfu>>['api']): Promise<SfuSession> {
  const session = await SfuSession.create(api);
  sessions.push(session);
  return session;
}

function count(requests: RecordedRequest[], method: string, path: string): number {
  return requests.filter((r) => r.method === method && r.path.split('?')[0] === path).length;
}

afterEach(() => {
  for (const s of sessions.splice(0)) s.closeSession();
  for (const t of tracks.splice(0)) t.stop();
  stopPlayers();
});

describe('SfuSession', () => {
  it('publishes camera and microphone in one session and another session decodes both', async () => {
    const { api, requests } = await callsApiOnSfu();
    const publisher = await newSession(api);
    const subscriber = await newSession(api);
    const { video, audio } = await cameraAndMic();
    tracks.push(video, audio);

    const [pubVideo, pubAudio] = await Promise.all([publisher.publish(video), publisher.publish(audio)]);
    await expect(pubVideo.sessionId).to.equal(publisher.sessionId);
    await expect(pubVideo.mid).to.not.equal(pubAudio.mid);
    await expect(count(requests, 'POST', `sessions/${publisher.sessionId}/tracks/new`)).to.equal(1);
    await expect(publisher.state).to.equal('connected');

    const [gotVideo, gotAudio] = await Promise.all([
      subscriber.pull({ sessionId: pubVideo.sessionId, trackName: pubVideo.trackName }),
      subscriber.pull({ sessionId: pubAudio.sessionId, trackName: pubAudio.trackName }),
    ]);
    await expect(gotVideo.track.kind).to.equal('video');
    await expect(gotAudio.track.kind).to.equal('audio');

    const pc = subscriber.peerConnection;
    const videoStats = await framesDecodedAbove(pc, gotVideo.mid, 5);
    expect(videoStats.framesDecoded).to.be.greaterThan(5);
    const audioStats = await audioReceived(pc, gotAudio.mid, gotAudio.track);
    expect(audioStats.packetsReceived).to.be.greaterThan(0);
    await expect(subscriber.state).to.equal('connected');
  });

  it('batches pulls issued in the same tick into one tracks/new and one renegotiate', async () => {
    const { api, requests } = await callsApiOnSfu();
    const publisher = await newSession(api);
    const subscriber = await newSession(api);
    const { video, audio } = await cameraAndMic();
    const video2 = video.clone();
    tracks.push(video, audio, video2);
    const published = await Promise.all([video, video2, audio].map((t) => publisher.publish(t)));
    await expect(count(requests, 'POST', `sessions/${publisher.sessionId}/tracks/new`)).to.equal(1);

    const pulled = await Promise.all(published.map((p) => subscriber.pull(p)));
    await expect(count(requests, 'POST', `sessions/${subscriber.sessionId}/tracks/new`)).to.equal(1);
    await expect(count(requests, 'PUT', `sessions/${subscriber.sessionId}/renegotiate`)).to.equal(1);
    const pullRequest = requests.find((r) =>
      r.path.startsWith(`sessions/${subscriber.sessionId}/tracks/new`),
    );
    expect((pullRequest?.body as { tracks: unknown[] }).tracks).to.have.length(3);
    await expect(new Set(pulled.map((p) => p.mid)).size).to.equal(3);

    const pc = subscriber.peerConnection;
    await Promise.all([framesDecodedAbove(pc, pulled[0]!.mid, 0), framesDecodedAbove(pc, pulled[1]!.mid, 0)]);
    await audioReceived(pc, pulled[2]!.mid, pulled[2]!.track);
  });

  /** Publishes camera, a second camera track and the mic, and pulls all three into a new session. */
  async function threePulls() {
    const { api, requests } = await callsApiOnSfu();
    const publisher = await newSession(api);
    const subscriber = await newSession(api);
    const { video, audio } = await cameraAndMic();
    const video2 = video.clone();
    tracks.push(video, audio, video2);
    const published = await Promise.all([video, video2, audio].map((t) => publisher.publish(t)));
    const [first, second, mic] = await Promise.all(published.map((p) => subscriber.pull(p)));
    const pc = subscriber.peerConnection;
    await framesDecodedAbove(pc, first!.mid, 0);
    await framesDecodedAbove(pc, second!.mid, 0);
    await audioReceived(pc, mic!.mid, mic!.track);
    const closes = () =>
      requests.filter((r) => r.path.startsWith(`sessions/${subscriber.sessionId}/tracks/close`));
    return { api, subscriber, pc, first: first!, second: second!, mic: mic!, closes };
  }

  /** Negotiated close of `closed` (stop, offer, tracks/close, answer) while `kept` must keep decoding. */
  async function negotiatedClose(
    { api, subscriber, pc, closes }: Awaited<ReturnType<typeof threePulls>>,
    closed: PulledTrack,
    kept: PulledTrack,
  ) {
    const before = await inbound(pc, kept.mid);
    await subscriber.close([closed.mid]);
    expect(closes()).to.have.length(1);
    expect(closes()[0]?.body).to.deep.include({ force: false, tracks: [{ mid: closed.mid }] });
    const stopped = pc.getTransceivers().find((t) => t.mid === closed.mid);
    await expect(stopped === undefined || stopped.currentDirection === 'stopped').to.equal(true);
    await expect(closed.track.readyState).to.equal('ended');
    await expect(pc.signalingState).to.equal('stable');
    await receptionStops(pc, closed.mid);
    await framesDecodedAbove(pc, kept.mid, before.framesDecoded + 10);

    const state = await api.getSession(subscriber.sessionId);
    const active = state.tracks.filter((t) => t.status === 'active').map((t) => t.mid);
    expect(active).to.not.include(closed.mid);
    expect(active).to.include(kept.mid);
  }

  it('closes a pull with a negotiated close while another pull keeps flowing', async () => {
    const pulls = await threePulls();
    await negotiatedClose(pulls, pulls.second, pulls.first);
  });

  // Skipped: rejecting the first m-section (the BUNDLE tag) makes Chrome move BUNDLE to a new ICE/DTLS
  // transport (new candidate port, connectionState back to `connecting`); the embedded SFU never completes
  // that second handshake, so every track on the session stops.
  it.skip('closes the pull on the BUNDLE-tag m-section while another pull keeps flowing', async () => {
    const pulls = await threePulls();
    await negotiatedClose(pulls, pulls.first, pulls.second);
  });

  it('force-closes a pull without SDP while another pull keeps flowing', async () => {
    const { api, subscriber, pc, second, mic, closes } = await threePulls();
    const before = await inbound(pc, second.mid);
    const localSdp = pc.localDescription?.sdp;

    await subscriber.close([mic.mid], { force: true });
    await expect(closes().map((r) => r.body)).to.deep.equal([{ tracks: [{ mid: mic.mid }], force: true }]);
    await expect(mic.track.readyState).to.equal('ended');
    await expect(pc.localDescription?.sdp).to.equal(localSdp);
    await receptionStops(pc, mic.mid);
    await framesDecodedAbove(pc, second.mid, before.framesDecoded + 10);

    const state = await api.getSession(subscriber.sessionId);
    const active = state.tracks.filter((t) => t.status === 'active').map((t) => t.mid);
    expect(active).to.not.include(mic.mid);
    expect(active).to.include(second.mid);
  });

  it('publishes a data channel that two subscribers receive in order', async () => {
    const { api } = await callsApiOnSfu();
    const [publisher, first, second] = await Promise.all([newSession(api), newSession(api), newSession(api)]);
    await Promise.all([publisher, first, second].map((s) => s.establishDataChannels()));

    const sending = await publisher.publishDataChannel('chat');
    const receivers = await Promise.all(
      [first, second].map((s) => s.subscribeDataChannel(publisher.sessionId, 'chat')),
    );
    const received: string[][] = receivers.map(() => []);
    receivers.forEach((channel, i) => {
      channel.addEventListener('message', (event: MessageEvent<string>) => received[i]!.push(event.data));
    });
    await waitFor(
      () => [sending, ...receivers].map((c) => c.readyState),
      (states) => states.every((s) => s === 'open'),
      'data channels did not open',
    );

    const messages = Array.from({ length: 100 }, (_, i) => `message ${i}`);
    for (const m of messages) sending.send(m);
    await waitFor(
      () => received.map((r) => r.length),
      (lengths) => lengths.every((n) => n >= messages.length),
      'not every message arrived',
    );
    await expect(received[0]).to.deep.equal(messages);
    await expect(received[1]).to.deep.equal(messages);
  });

  it('serializes a pull, a publish and a close issued at once on one session: no exchange overlaps', async () => {
    const { api, requests } = await callsApiOnSfu();
    const [alice, bob, carol] = await Promise.all([newSession(api), newSession(api), newSession(api)]);
    const { video, audio } = await cameraAndMic();
    const bobVideo = video.clone();
    tracks.push(video, audio, bobVideo);
    const [aliceVideo, aliceAudio] = await Promise.all([alice.publish(video), alice.publish(audio)]);
    // As the Room does: m=application takes the first m-section, so closing a media one never moves BUNDLE.
    await bob.establishDataChannels();
    await expect(bob.serverEvents?.label).to.equal('server-events');
    const warmUp = await bob.pull(aliceAudio);

    // An SFU offer (pull), a client offer (publish) and a client offer (close), all in one tick.
    const [pulled, published] = await Promise.all([
      bob.pull(aliceVideo),
      bob.publish(bobVideo),
      bob.close([warmUp.mid]),
    ]);
    const bobCalls = requests.filter((r) => r.path.startsWith(`sessions/${bob.sessionId}/`));
    await expect(bobCalls.map((r) => r.path.slice(`sessions/${bob.sessionId}/`.length))).to.deep.equal([
      // Our offer, answered in the response: no /renegotiate.
      'datachannels/establish',
      'tracks/new',
      'renegotiate',
      'tracks/new',
      'renegotiate',
      'tracks/new',
      'tracks/close',
    ]);
    await expect(bob.peerConnection.signalingState).to.equal('stable');
    await framesDecodedAbove(bob.peerConnection, pulled.mid, 5);
    const fromBob = await carol.pull(published);
    await framesDecodedAbove(carol.peerConnection, fromBob.mid, 5);
  });

  it('pulls into a session that already publishes (1:1: each side publishes and pulls the other)', async () => {
    const { api } = await callsApiOnSfu();
    const [alice, bob] = await Promise.all([newSession(api), newSession(api)]);
    const { video } = await cameraAndMic();
    const bobVideo = video.clone();
    tracks.push(video, bobVideo);
    const [fromAlice, fromBob] = await Promise.all([alice.publish(video), bob.publish(bobVideo)]);
    const [atBob, atAlice] = await Promise.all([bob.pull(fromAlice), alice.pull(fromBob)]);
    await framesDecodedAbove(bob.peerConnection, atBob.mid, 5);
    await framesDecodedAbove(alice.peerConnection, atAlice.mid, 5);
  });

  it('fails only the missing publication in a batch of pulls, and the rest still flows', async () => {
    const { api, requests } = await callsApiOnSfu();
    const publisher = await newSession(api);
    const subscriber = await newSession(api);
    const { video } = await cameraAndMic();
    tracks.push(video);
    const published = await publisher.publish(video);

    const [found, missing] = await Promise.allSettled([
      subscriber.pull(published),
      subscriber.pull({ sessionId: publisher.sessionId, trackName: 'never-published' }),
    ]);
    await expect(count(requests, 'POST', `sessions/${subscriber.sessionId}/tracks/new`)).to.equal(1);
    await expect(missing.status).to.equal('rejected');
    const error = (missing as PromiseRejectedResult).reason as CallsItemError;
    expect(error).to.be.instanceOf(CallsItemError);
    expect(['not_found_track_error', 'empty_track_error']).to.include(error.errorCode);
    await expect(found.status).to.equal('fulfilled');
    const { mid } = (found as PromiseFulfilledResult<{ mid: string }>).value;
    await framesDecodedAbove(subscriber.peerConnection, mid, 5);
  });

  it('switches a simulcast pull between layers with updatePull, without SDP', async () => {
    const { api, requests } = await callsApiOnSfu();
    const publisher = await newSession(api);
    const subscriber = await newSession(api);
    const video = await camera(1280, 720);
    tracks.push(video);
    const published = await publisher.publish(video, {
      sendEncodings: [
        { rid: 'f', maxBitrate: 1_200_000 },
        { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 600_000 },
        { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 200_000 },
      ],
    });
    const pc = subscriber.peerConnection;
    const pulled = await subscriber.pull({ ...published, simulcast: { preferredRid: 'q' } });
    const low = await waitFor(
      () => inbound(pc, pulled.mid),
      (s) => s.framesDecoded > 0 && s.frameWidth > 0 && s.frameWidth <= 320,
      'the q layer (320 px wide) did not arrive',
    );
    const sent = requests.length;

    await subscriber.updatePull(pulled.mid, {
      simulcast: { preferredRid: 'h', priorityOrdering: 'none', ridNotAvailable: 'none' },
    });
    await waitFor(
      () => inbound(pc, pulled.mid),
      (s) => s.frameWidth > low.frameWidth,
      'a wider layer did not arrive after tracks/update',
    );
    await expect(requests.slice(sent).map((r) => `${r.method} ${r.path}`)).to.deep.equal([
      `PUT sessions/${subscriber.sessionId}/tracks/update`,
    ]);
  });

  it('replaces the published source and changes its encodings without renegotiating', async () => {
    const { api, requests } = await callsApiOnSfu();
    const publisher = await newSession(api);
    const subscriber = await newSession(api);
    const large = await camera(640, 480);
    const small = await camera(160, 120);
    tracks.push(large, small);
    const published = await publisher.publish(large);
    const pulled = await subscriber.pull(published);
    const pc = subscriber.peerConnection;
    const largeSender = publisher.peerConnection
      .getTransceivers()
      .find((t) => t.mid === published.mid)!.sender;
    // Chromium sends the 640 px source at once; Firefox starts smaller and grows with its bandwidth
    // estimate: the width that must arrive is what the publisher sends, and more than the small source.
    await waitFor(
      async () => ({ got: (await inbound(pc, pulled.mid)).frameWidth, sent: await sentWidth(largeSender) }),
      ({ got, sent }) => got > 160 && got === sent && (got === 640 || !isChromium()),
      'the 640 px source did not arrive',
    );
    const sent = requests.length;

    await publisher.replaceTrack(published.mid, small);
    await waitFor(
      () => inbound(pc, pulled.mid),
      (s) => s.frameWidth === 160,
      'the 160 px source did not replace the 640 px one',
    );
    await publisher.setEncodings(published.mid, [{ maxBitrate: 100_000, maxFramerate: 10 }]);
    const sender = publisher.peerConnection.getTransceivers().find((t) => t.mid === published.mid)!.sender;
    expect(sender.getParameters().encodings[0]).to.include({ maxBitrate: 100_000, maxFramerate: 10 });
    await expect(requests.length).to.equal(sent);
  });

  it('adds data channels to sessions that already carry media', async () => {
    const { api } = await callsApiOnSfu();
    const publisher = await newSession(api);
    const subscriber = await newSession(api);
    const { video } = await cameraAndMic();
    tracks.push(video);
    const pulled = await subscriber.pull(await publisher.publish(video));
    const pc = subscriber.peerConnection;
    const before = await framesDecodedAbove(pc, pulled.mid, 0);

    await Promise.all([publisher.establishDataChannels(), subscriber.establishDataChannels()]);
    const sending = await publisher.publishDataChannel('state', { ordered: true });
    const receiving = await subscriber.subscribeDataChannel(publisher.sessionId, 'state', { ordered: true });
    await waitFor(
      () => [sending.readyState, receiving.readyState],
      (states) => states.every((s) => s === 'open'),
      'data channels did not open',
    );
    const got = new Promise<string>((resolve) =>
      receiving.addEventListener('message', (e: MessageEvent<string>) => resolve(e.data), { once: true }),
    );
    sending.send('hello');
    await expect(await got).to.equal('hello');
    await framesDecodedAbove(pc, pulled.mid, before.framesDecoded + 10);
  });

  it('rejects a publish whose track sends nothing, and takes the publication back', async () => {
    const { api } = await callsApiOnSfu();
    const session = await SfuSession.create(api, { publishTimeoutMs: 1500 });
    sessions.push(session);
    const { video, audio } = await cameraAndMic();
    tracks.push(video, audio);
    // The first m-section stays: rejecting the BUNDLE tag would move the transport (see the skipped test).
    await session.publish(audio);
    video.stop();

    let error: unknown;
    await session.publish(video).catch((e: unknown) => (error = e));
    await expect((error as { code?: string }).code).to.equal('publish_timeout');
    await waitFor(
      () => api.getSession(session.sessionId),
      (state) => state.tracks.filter((t) => t.status === 'active').length === 1,
      'the silent publication was not closed',
    );
  });

  it('reports closeSession as the closed state and refuses further work', async () => {
    const { api } = await callsApiOnSfu();
    const session = await newSession(api);
    const states: string[] = [];
    session.addEventListener('state-change', (event) => states.push(event.state));
    session.closeSession();
    await expect(session.state).to.equal('closed');
    await expect(states).to.deep.equal(['closed']);
    const { video } = await cameraAndMic();
    tracks.push(video);
    let error: unknown;
    await session.publish(video).catch((e: unknown) => (error = e));
    await expect((error as { code?: string }).code).to.equal('session_closed');
  });
});

/** The widest frame the sender reports sending. */
async function sentWidth(sender: RTCRtpSender): Promise<number> {
  let width = 0;
  (await sender.getStats()).forEach((s: Record<string, unknown>) => {
    if (s.type === 'outbound-rtp') width = Math.max(width, Number(s.frameWidth ?? 0));
  });
  return width;
}

function isChromium(): boolean {
  return /Chrome\//.test(navigator.userAgent);
}
