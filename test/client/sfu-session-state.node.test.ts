/**
 * SfuSession's "session lost" rules (partytracks, calls-api.md §9.6) on a fake RTCPeerConnection: Node has
 * none, and a real one cannot be made to fail ICE on cue.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CallsApi } from '../../src/client/calls-api.ts';
import { SfuSession, SfuSessionLostEvent, type SfuSessionState } from '../../src/client/sfu-session.ts';

class FakePeerConnection extends EventTarget {
  static last: FakePeerConnection | undefined;
  connectionState: RTCPeerConnectionState = 'new';
  iceConnectionState: RTCIceConnectionState = 'new';
  sctp = null;
  closed = false;
  constructor(readonly configuration: RTCConfiguration) {
    super();
    FakePeerConnection.last = this;
  }
  set(connection: RTCPeerConnectionState, ice: RTCIceConnectionState): void {
    if (ice !== this.iceConnectionState) {
      this.iceConnectionState = ice;
      this.dispatchEvent(new Event('iceconnectionstatechange'));
    }
    if (connection !== this.connectionState) {
      this.connectionState = connection;
      this.dispatchEvent(new Event('connectionstatechange'));
    }
  }
  getTransceivers(): RTCRtpTransceiver[] {
    return [];
  }
  close(): void {
    this.closed = true;
  }
}

/**
 * A CallsApi whose fake fetch answers `sessions/new`, and every request on the session (the probe while
 * disconnected among them) with `sessionStatus`; `requests` counts those.
 */
function fakeApi(sessionStatus = 200, requests = { count: 0 }): CallsApi {
  const fetch: typeof globalThis.fetch = (input) => {
    if (input instanceof URL || typeof input === 'string' ? String(input).endsWith('/sessions/new') : false)
      return Promise.resolve(new Response(JSON.stringify({ sessionId: 'abc' }), { status: 201 }));
    requests.count++;
    const body =
      sessionStatus === 410
        ? { errorCode: 'session_error', errorDescription: 'Session abc is unknown, expired or closed' }
        : { tracks: [], dataChannels: [] };
    return Promise.resolve(new Response(JSON.stringify(body), { status: sessionStatus }));
  };
  return new CallsApi({
    baseUrl: 'http://sfu.test',
    authorization: () => 's',
    fetch,
    retry: { attempts: 1 },
  });
}

async function session(disconnectedTimeoutMs?: number, api = fakeApi()) {
  const s = await SfuSession.create(api, {
    iceServers: [{ urls: 'stun:x' }],
    ...(disconnectedTimeoutMs ? { disconnectedTimeoutMs } : {}),
  });
  const pc = FakePeerConnection.last!;
  const states: SfuSessionState[] = [];
  const lost: string[] = [];
  s.addEventListener('state-change', (e) => states.push(e.state));
  s.addEventListener('session-lost', (e) => lost.push(e.reason));
  return { s, pc, states, lost };
}

void describe('SfuSession connection state', () => {
  let saved: unknown;
  beforeEach(() => {
    saved = (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection;
    (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection = FakePeerConnection;
  });
  afterEach(() => {
    (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection = saved;
  });

  void it('makes one max-bundle PeerConnection with the given ICE servers', async () => {
    const { s, pc } = await session();
    assert.equal(s.sessionId, 'abc');
    assert.deepEqual(pc.configuration, { bundlePolicy: 'max-bundle', iceServers: [{ urls: 'stun:x' }] });
    assert.equal(s.state, 'new');
  });

  void it('follows the connection state and fires only on real transitions', async () => {
    const { pc, states, lost } = await session();
    pc.set('connecting', 'checking');
    pc.set('connected', 'connected');
    pc.set('connected', 'completed');
    assert.deepEqual(states, ['connecting', 'connected']);
    assert.deepEqual(lost, []);
  });

  void it('survives ICE disconnected for up to 7 s', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { s, pc, states, lost } = await session();
    pc.set('connected', 'connected');
    pc.set('disconnected', 'disconnected');
    t.mock.timers.tick(6999);
    pc.set('connected', 'connected');
    t.mock.timers.tick(60_000);
    assert.equal(s.state, 'connected');
    assert.deepEqual(states, ['connected', 'disconnected', 'connected']);
    assert.deepEqual(lost, []);
  });

  void it('is lost once ICE stays disconnected for more than 7 s', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { s, pc, states, lost } = await session();
    pc.set('connected', 'connected');
    pc.set('disconnected', 'disconnected');
    t.mock.timers.tick(6999);
    assert.equal(s.state, 'disconnected');
    t.mock.timers.tick(1);
    assert.equal(s.state, 'lost');
    assert.deepEqual(states, ['connected', 'disconnected', 'lost']);
    assert.equal(lost.length, 1);
    assert.match(lost[0]!, /disconnected/);
  });

  void it('is lost at once when the SFU answers 410 for the session while ICE is disconnected', async () => {
    const requests = { count: 0 };
    const { s, pc, states, lost } = await session(undefined, fakeApi(410, requests));
    pc.set('connected', 'connected');
    assert.equal(requests.count, 0, 'no probe while connected');
    pc.set('disconnected', 'disconnected');
    await new Promise<void>((resolve) => s.addEventListener('session-lost', () => resolve(), { once: true }));
    assert.equal(requests.count, 1);
    assert.deepEqual(states, ['connected', 'disconnected', 'lost']);
    assert.match(lost[0]!, /410/);
  });

  void it('keeps probing every 2 s while disconnected, and stops once connected again', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const requests = { count: 0 };
    const { s, pc, lost } = await session(undefined, fakeApi(200, requests));
    const settle = async () => {
      for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
    };
    pc.set('connected', 'connected');
    pc.set('disconnected', 'disconnected');
    await settle();
    assert.equal(requests.count, 1);
    t.mock.timers.tick(2000);
    await settle();
    assert.equal(requests.count, 2);
    pc.set('connected', 'connected');
    t.mock.timers.tick(10_000);
    await settle();
    assert.equal(requests.count, 2);
    assert.equal(s.state, 'connected');
    assert.deepEqual(lost, []);
  });

  void it('is lost at once when any request on the session answers 410', async () => {
    const { s, pc, lost } = await session(undefined, fakeApi(410));
    pc.set('connected', 'connected');
    // A close on a session the SFU no longer has is done; the session is lost all the same.
    await s.close(['0'], { force: true });
    assert.equal(s.state, 'lost');
    assert.match(lost[0]!, /410 session_error/);
  });

  for (const [connection, ice] of [
    ['failed', 'disconnected'],
    ['closed', 'closed'],
    ['connected', 'failed'],
  ] as const) {
    void it(`is lost at once on connectionState ${connection} / iceConnectionState ${ice}`, async () => {
      const { s, pc, lost } = await session();
      pc.set('connected', 'connected');
      pc.set(connection, ice);
      assert.equal(s.state, 'lost');
      assert.equal(lost.length, 1);
    });
  }

  void it('refuses work once lost, and stays lost', async () => {
    const { s, pc, lost } = await session();
    pc.set('failed', 'failed');
    pc.set('connected', 'connected');
    assert.equal(s.state, 'lost');
    assert.equal(lost.length, 1);
    await assert.rejects(s.pull({ sessionId: 'other', trackName: 't' }), {
      name: 'SfuSessionError',
      code: 'session_lost',
    });
    await assert.rejects(s.establishDataChannels(), { code: 'session_lost' });
    // Closing on a dead session has nothing to tell the SFU.
    await s.close(['0']);
    await s.close(['1'], { force: true });
  });

  void it('closeSession closes the PeerConnection, fires closed and no session-lost', async () => {
    const { s, pc, states, lost } = await session();
    pc.set('connected', 'connected');
    s.closeSession();
    pc.set('closed', 'closed');
    assert.equal(pc.closed, true);
    assert.deepEqual(states, ['connected', 'closed']);
    assert.deepEqual(lost, []);
    await assert.rejects(s.pull({ sessionId: 'other', trackName: 't' }), { code: 'session_closed' });
  });

  void it('exposes the lost event as a typed class', async () => {
    const { s, pc } = await session();
    const event = new Promise<SfuSessionLostEvent>((resolve) =>
      s.addEventListener('session-lost', resolve, { once: true }),
    );
    pc.set('failed', 'failed');
    const e = await event;
    assert.ok(e instanceof SfuSessionLostEvent);
    assert.match(e.reason, /failed/);
  });
});
