/** The Room's parts on their own: activity, tile preferences, the chat log, reconnection and connection state. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Activity } from '../../src/client/activity.ts';
import { ChatLog, MAX_CHAT_CHARS, MAX_MESSAGES } from '../../src/client/chat.ts';
import { connectionState } from '../../src/client/connection.ts';
import { ExponentialBackoff } from '../../src/client/reconnect-policy.ts';
import type { RoomStatus } from '../../src/client/room-types.ts';
import { Subscriptions, TILE_SIZE_WAIT_MS, VideoPreferences } from '../../src/client/subscriptions.ts';
import type { PublishedTrack } from '../../src/protocol/presence.ts';
import { FakeSession, participant } from './fakes.ts';

function activity() {
  const log: string[] = [];
  const a = new Activity({
    changed: () => log.push('changed'),
    activeSpeakerChanged: (id) => log.push(`active:${id}`),
  });
  return { a, log };
}

void describe('Activity', () => {
  void it('speaking with hysteresis; the active speaker stays until someone else speaks; pruned on leave', () => {
    const { a, log } = activity();
    const present = () => true;
    a.updateLevels(new Map([['ada', 0.5]]), 0, present);
    assert.ok(a.speaking.has('ada'));
    assert.equal(a.activeSpeaker, 'ada');
    a.updateLevels(new Map([['ada', 0]]), 2000, present);
    assert.ok(!a.speaking.has('ada'));
    assert.equal(a.activeSpeaker, 'ada', 'kept while nobody else speaks');
    a.updateLevels(new Map([['bob', 0.3]]), 2100, present);
    assert.equal(a.activeSpeaker, 'bob');
    assert.deepEqual(
      log.filter((l) => l.startsWith('active')),
      ['active:ada', 'active:bob'],
    );
    a.prune(['bob']);
    assert.equal(a.speaking.has('bob'), false);
  });
});

void describe('VideoPreferences', () => {
  const video: PublishedTrack = {
    sessionId: 's',
    trackName: 'camera-1',
    kind: 'video',
    source: 'camera',
    simulcast: [
      { rid: 'f', height: 720 },
      { rid: 'h', height: 360 },
      { rid: 'q', height: 180 },
    ],
  };

  void it('a simulcast video waits for its tile size, once, then pulls at the default layer', () => {
    let now = 0;
    const timers: (() => void)[] = [];
    const prefs = new VideoPreferences({ now: () => now, setTimeout: (f) => void timers.push(f) });
    let retried = 0;
    assert.equal(
      prefs.awaitingSize('ada', video, () => retried++),
      true,
    );
    assert.equal(timers.length, 1);
    now = TILE_SIZE_WAIT_MS;
    timers[0]!();
    assert.equal(retried, 1);
    assert.equal(
      prefs.awaitingSize('ada', video, () => retried++),
      false,
    );
    assert.equal(prefs.wantedRid('ada', video), 'h');
  });

  void it('the tile height picks the layer; a leaving participant’s preferences and waits are dropped', () => {
    const prefs = new VideoPreferences({ now: () => 0, setTimeout: () => undefined });
    assert.equal(prefs.set('ada:camera', { visible: true, height: 170 }), true);
    assert.equal(prefs.set('ada:camera', { visible: true, height: 170 }), false, 'no change');
    assert.equal(prefs.wantedRid('ada', video), 'q');
    prefs.awaitingSize('bob', video, () => undefined);
    prefs.prune(['ada', 'bob']);
    assert.equal(prefs.size, 0);
  });
});

void describe('Subscriptions', () => {
  const camera: PublishedTrack = {
    sessionId: 's-ada',
    trackName: 'camera-1',
    kind: 'video',
    source: 'camera',
    simulcast: [
      { rid: 'f', height: 720 },
      { rid: 'h', height: 360 },
      { rid: 'q', height: 180 },
    ],
  };
  const microphone: PublishedTrack = {
    sessionId: 's-ada',
    trackName: 'microphone-1',
    kind: 'audio',
    source: 'microphone',
  };

  function subscriptions() {
    const timers: (() => void)[] = [];
    const prefs = new VideoPreferences({ now: () => 0, setTimeout: (f) => void timers.push(f) });
    const session = new FakeSession();
    const subs = new Subscriptions({ session, live: true }, prefs, {
      changed: () => undefined,
      subscribed: () => undefined,
      failed: (error) => assert.fail(String(error)),
      retry: () => undefined,
    });
    return { subs, prefs, session, timers };
  }

  void it('a participant whose video waits for its tile size is pulled whole once it comes, in one go', () => {
    const { subs, prefs, session, timers } = subscriptions();
    const ada = participant('ada', { tracks: [microphone, camera] });
    const bob = participant('bob', { tracks: [{ ...microphone, sessionId: 's-bob' }] });
    subs.reconcile([ada, bob]);
    assert.deepEqual(session.pullLog, ['s-bob/microphone-1'], "ada's microphone waits with her camera");
    assert.equal(timers.length, 1);
    prefs.set('ada:camera', { visible: true, height: 170 });
    subs.reconcile([ada, bob]);
    assert.deepEqual(session.pullLog.slice(1).sort(), ['s-ada/camera-1', 's-ada/microphone-1']);
    assert.equal(subs.requestedLayer('ada:camera'), undefined, 'not pulled until the pull resolves');
  });
});

void describe('ChatLog', () => {
  const ada = { id: 'ada', name: 'Ada' };

  void it('cuts texts, keeps the last MAX_MESSAGES, and passes data without logging it', () => {
    const log = new ChatLog();
    const { payload, delivery } = log.outgoing('x'.repeat(MAX_CHAT_CHARS + 10), ada);
    assert.equal(delivery.message.text.length, MAX_CHAT_CHARS);
    assert.equal((JSON.parse(payload) as { text: string }).text.length, MAX_CHAT_CHARS);
    log.outgoing({ kind: 'reaction' }, ada);
    assert.equal(log.messages.length, 1, 'data is delivered, not logged');
    for (let i = 0; i < MAX_MESSAGES + 5; i++) log.incoming(JSON.stringify({ text: `m${i}` }), ada);
    assert.equal(log.messages.length, MAX_MESSAGES);
    assert.equal(log.messages.at(-1)?.text, `m${MAX_MESSAGES + 4}`);
  });

  void it('drops what is not chat: not a string, too long, not JSON, not an object, unknown sender', () => {
    const log = new ChatLog();
    assert.equal(log.incoming(42, ada), undefined);
    assert.equal(log.incoming(JSON.stringify({ text: 'x'.repeat(MAX_CHAT_CHARS * 4) }), ada), undefined);
    assert.equal(log.incoming('{', ada), undefined);
    assert.equal(log.incoming('null', ada), undefined);
    assert.equal(log.incoming(JSON.stringify({ text: 'hi' }), undefined), undefined);
    assert.equal(log.incoming(JSON.stringify({ text: 'hi', at: 5, id: 'm' }), ada)?.message.at, 5);
  });
});

void describe('reconnection and connection state', () => {
  void it('ExponentialBackoff: full jitter, doubling to a cap, gives up after its retries', () => {
    const policy = new ExponentialBackoff(5, 250, 5000, () => 1);
    const delays = [0, 1, 2, 3, 4, 5].map((retryCount) =>
      policy.nextRetryDelayMs({ retryCount, elapsedMs: 0, error: undefined }),
    );
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, null]);
  });

  void it('connection state from status and links; `reconnecting` is a connection state, not a status', () => {
    assert.equal(connectionState('joining', false, undefined, undefined), 'connecting');
    assert.equal(connectionState('joined', false, 'open', 'connected'), 'connected');
    assert.equal(connectionState('joined', true, 'open', 'closed'), 'reconnecting');
    assert.equal(connectionState('joined', false, 'reconnecting', 'connected'), 'reconnecting');
    assert.equal(connectionState('left', false, 'closed', 'closed'), undefined);
    // @ts-expect-error Room never had a `reconnecting` status; the element now renders on `joined` only.
    const status: RoomStatus = 'reconnecting';
    void status;
  });
});
