/// <reference types="mocha" />
/**
 * Cloudflare's own client, partytracks, against our SFU (through Cloudflare's own proxy code at /partytracks,
 * see servers-plugin.ts): what it publishes our SfuSession pulls, and what our SfuSession publishes it pulls.
 * Its observables close their tracks (and `session$` its peer connection) when the last subscriber leaves,
 * so every subscription is held until the test ends.
 */
import './node-env-shim.ts';
import { expect } from '@open-wc/testing';
import { PartyTracks } from 'partytracks/client';
import { of, type Observable, type Subscription } from 'rxjs';
import { SfuSession } from '../../src/client/sfu-session.ts';
import {
  audioReceived,
  cameraAndMic,
  framesDecodedAbove,
  inbound,
  callsApiOnSfu,
  stopPlayers,
  waitFor,
} from './sfu-test-utils.ts';

const subscriptions: Subscription[] = [];
const sessions: SfuSession[] = [];
const tracks: MediaStreamTrack[] = [];

afterEach(() => {
  for (const s of subscriptions.splice(0)) s.unsubscribe();
  for (const s of sessions.splice(0)) s.closeSession();
  for (const t of tracks.splice(0)) t.stop();
  stopPlayers();
});

/** The first value of `source$`, keeping the subscription (and so what it holds open) until afterEach. */
function hold<T>(source$: Observable<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    subscriptions.push(source$.subscribe({ next: resolve, error: reject }));
  });
}

/** No STUN: the SFU is reached directly, and nothing may leave this machine. */
function partyTracks(): PartyTracks {
  const pt = new PartyTracks({ iceServers: [] });
  subscriptions.push(pt.session$.subscribe());
  return pt;
}

describe('partytracks against the embedded SFU', () => {
  it('partytracks publishes camera and microphone; our SfuSession pulls and decodes both', async () => {
    const pt = partyTracks();
    const { video, audio } = await cameraAndMic();
    tracks.push(video, audio);
    const [videoMeta, audioMeta] = await Promise.all([hold(pt.push(of(video))), hold(pt.push(of(audio)))]);
    expect(videoMeta.location).to.equal('remote');
    expect(videoMeta.sessionId).to.equal(audioMeta.sessionId);

    const { api } = await callsApiOnSfu();
    const subscriber = await SfuSession.create(api);
    sessions.push(subscriber);
    const [gotVideo, gotAudio] = await Promise.all([
      subscriber.pull({ sessionId: videoMeta.sessionId!, trackName: videoMeta.trackName! }),
      subscriber.pull({ sessionId: audioMeta.sessionId!, trackName: audioMeta.trackName! }),
    ]);
    const pc = subscriber.peerConnection;
    expect((await framesDecodedAbove(pc, gotVideo.mid, 5)).framesDecoded).to.be.greaterThan(5);
    expect((await audioReceived(pc, gotAudio.mid, gotAudio.track)).packetsReceived).to.be.greaterThan(0);
  });

  it('our SfuSession publishes; partytracks pulls and decodes the video', async () => {
    const { api } = await callsApiOnSfu();
    const publisher = await SfuSession.create(api);
    sessions.push(publisher);
    const { video, audio } = await cameraAndMic();
    tracks.push(video, audio);
    const [pubVideo, pubAudio] = await Promise.all([publisher.publish(video), publisher.publish(audio)]);

    const pt = partyTracks();
    const pulled = await Promise.all([
      hold(pt.pull(of({ location: 'remote', sessionId: pubVideo.sessionId, trackName: pubVideo.trackName }))),
      hold(pt.pull(of({ location: 'remote', sessionId: pubAudio.sessionId, trackName: pubAudio.trackName }))),
    ]);
    expect(pulled.map((t) => t.kind)).to.deep.equal(['video', 'audio']);
    const { peerConnection: pc } = await hold(pt.session$);
    const mid = (track: MediaStreamTrack) =>
      pc.getTransceivers().find((t) => t.receiver.track === track)!.mid!;
    expect((await framesDecodedAbove(pc, mid(pulled[0]), 5)).framesDecoded).to.be.greaterThan(5);
    expect((await audioReceived(pc, mid(pulled[1]), pulled[1])).packetsReceived).to.be.greaterThan(0);
    await waitFor(
      () => inbound(pc, mid(pulled[0])),
      (s) => s.frameWidth > 0,
      'partytracks decodes a picture with a width',
    );
  });
});
