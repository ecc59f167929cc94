/// <reference types="mocha" />
/**
 * The production path: room tokens from the backend's token endpoint, every Calls call through the backend's
 * authorizing proxy (`{backendUrl}/api/calls`) to the embedded SFU, media decoded on the far side.
 */
import { expect } from '@open-wc/testing';
import { CallsApi, CallsApiError } from '../../src/client/calls-api.ts';
import { SfuSession } from '../../src/client/sfu-session.ts';
import { TokenSource } from '../../src/client/token-source.ts';
import { testEnv } from '../helpers/env.ts';
import { joinPresence } from '../helpers/presence.ts';
import { audioReceived, cameraAndMic, framesDecodedAbove, stopPlayers } from './sfu-test-utils.ts';

const sessions: SfuSession[] = [];
const tokenSources: TokenSource[] = [];
const tracks: MediaStreamTrack[] = [];
const sockets: WebSocket[] = [];

/** A user of `room`: their own token source and a CallsApi on the backend proxy. */
async function user(room: string, name: string): Promise<{ api: CallsApi; tokens: TokenSource }> {
  const { backendUrl } = await testEnv();
  const tokens = new TokenSource({ endpoint: `${backendUrl}/api/token`, request: { room, name } });
  tokenSources.push(tokens);
  // Pulls need the caller in the room's presence, as the widget is.
  sockets.push(await joinPresence(room, await tokens.getToken()));
  const api = new CallsApi({ baseUrl: `${backendUrl}/api/calls`, authorization: () => tokens.getToken() });
  return { api, tokens };
}

async function session(api: CallsApi): Promise<SfuSession> {
  const s = await SfuSession.create(api);
  sessions.push(s);
  return s;
}

afterEach(() => {
  for (const s of sessions.splice(0)) s.closeSession();
  for (const t of tokenSources.splice(0)) t.close();
  for (const s of sockets.splice(0)) s.close();
  for (const t of tracks.splice(0)) t.stop();
  stopPlayers();
});

describe('client core through the backend', () => {
  it('publishes and pulls camera and microphone with room tokens through the proxy', async () => {
    const room = `client-${crypto.randomUUID().slice(0, 8)}`;
    const ada = await user(room, 'Ada');
    const bob = await user(room, 'Bob');
    const publisher = await session(ada.api);
    const subscriber = await session(bob.api);
    const { video, audio } = await cameraAndMic();
    tracks.push(video, audio);

    const published = await Promise.all([publisher.publish(video), publisher.publish(audio)]);
    const [gotVideo, gotAudio] = await Promise.all(published.map((p) => subscriber.pull(p)));
    const pc = subscriber.peerConnection;
    await framesDecodedAbove(pc, gotVideo!.mid, 5);
    await audioReceived(pc, gotAudio!.mid, gotAudio!.track);
  });

  it('is refused a pull from a session of another room', async () => {
    const ada = await user(`client-${crypto.randomUUID().slice(0, 8)}`, 'Ada');
    const eve = await user(`client-${crypto.randomUUID().slice(0, 8)}`, 'Eve');
    const publisher = await session(ada.api);
    const intruder = await session(eve.api);
    const { video } = await cameraAndMic();
    tracks.push(video);
    const published = await publisher.publish(video);

    let error: unknown;
    await intruder.pull(published).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(CallsApiError);
    await expect((error as CallsApiError).status).to.equal(403);
    await expect((error as CallsApiError).errorCode).to.equal('forbidden');
  });
});
