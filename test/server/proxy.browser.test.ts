/// <reference types="mocha" />
/**
 * The authorizing proxy end to end: real Chromium publishes and pulls through `/api/calls` on the backend
 * (room tokens only, never the app secret) against the embedded SFU; hijack attempts by another user of the
 * room and by a user of another room get 403 while the victim's media keeps flowing.
 */
import { expect } from '@open-wc/testing';
import { CallsApi, CallsApiError } from '../../src/client/calls-api.ts';
import { SfuSession } from '../../src/client/sfu-session.ts';
import type { TokenResponse } from '../../src/protocol/token.ts';
import { testEnv } from '../helpers/env.ts';
import { joinPresence } from '../helpers/presence.ts';
import { camera, framesDecodedAbove, inbound } from '../client/sfu-test-utils.ts';

const sessions: SfuSession[] = [];
const tracks: MediaStreamTrack[] = [];
const sockets: WebSocket[] = [];

afterEach(() => {
  for (const s of sessions.splice(0)) s.closeSession();
  for (const s of sockets.splice(0)) s.close();
  for (const t of tracks.splice(0)) t.stop();
});

async function user(room: string, name: string) {
  const { backendUrl } = await testEnv();
  const res = await fetch(`${backendUrl}/api/token`, {
    method: 'POST',
    body: JSON.stringify({ room, name }),
  });
  const { token } = (await res.json()) as TokenResponse;
  // Pulls need the caller in the room's presence, as the widget is.
  sockets.push(await joinPresence(room, token));
  const api = new CallsApi({
    baseUrl: `${backendUrl}/api/calls`,
    authorization: () => token,
    retry: { attempts: 1 },
  });
  const raw = (method: string, path: string, body?: unknown) =>
    fetch(`${backendUrl}/api/calls/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  return { api, raw, token };
}

describe('Calls proxy with real media', () => {
  it('publishes and pulls through the proxy; hijacks are refused while the media keeps flowing', async () => {
    const room = `proxy-e2e-${Date.now()}`;
    const alice = await user(room, 'alice');
    const bob = await user(room, 'bob');
    const mallory = await user(room, 'mallory');
    const eve = await user(`${room}-other`, 'eve');

    const pub = await SfuSession.create(alice.api);
    const sub = await SfuSession.create(bob.api);
    sessions.push(pub, sub);
    const video = await camera(320, 240);
    tracks.push(video);
    const published = await pub.publish(video);
    const pulled = await sub.pull({ sessionId: published.sessionId, trackName: published.trackName });
    const before = await framesDecodedAbove(sub.peerConnection, pulled.mid, 5);

    const expectForbidden = async (res: Response) => {
      const body = (await res.json()) as { errorCode: string; errorDescription: string };
      await expect(res.status).to.equal(403);
      await expect(body.errorCode).to.equal('forbidden');
    };
    const mine = await SfuSession.create(mallory.api);
    sessions.push(mine);
    const s = published.sessionId;
    await expectForbidden(
      await mallory.raw('PUT', `sessions/${s}/tracks/close`, {
        tracks: [{ mid: published.mid }],
        force: true,
      }),
    );
    await expectForbidden(
      await mallory.raw('PUT', `sessions/${s}/renegotiate`, {
        sessionDescription: { type: 'answer', sdp: 'v=0\r\n' },
      }),
    );
    await expectForbidden(
      await mallory.raw('PUT', `sessions/${sub.sessionId}/tracks/update`, {
        tracks: [{ location: 'remote', sessionId: s, trackName: published.trackName, mid: pulled.mid }],
      }),
    );
    await expectForbidden(
      await mallory.raw('PUT', `sessions/${sub.sessionId}/tracks/close`, {
        tracks: [{ mid: pulled.mid }],
        force: true,
      }),
    );
    const eveSession = await SfuSession.create(eve.api);
    sessions.push(eveSession);
    let refusal: unknown;
    try {
      await eveSession.pull({ sessionId: s, trackName: published.trackName });
    } catch (e) {
      refusal = e;
    }
    expect(refusal).to.be.instanceOf(CallsApiError);
    await expect((refusal as CallsApiError).status).to.equal(403);
    await expect((refusal as CallsApiError).errorCode).to.equal('forbidden');

    // The victim's call is untouched: bob keeps decoding alice's video.
    const after = await framesDecodedAbove(sub.peerConnection, pulled.mid, before.framesDecoded + 15);
    expect(after.framesDecoded).to.be.greaterThan(before.framesDecoded + 15);
    const stats = await inbound(sub.peerConnection, pulled.mid);
    expect(stats.bytesReceived).to.be.greaterThan(before.bytesReceived);
  });
});
