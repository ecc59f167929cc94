/** Roster: the presence mirror as a pure state machine, messages in, diffs out. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Participant, PublishedTrack, ServerMessage } from '../../src/protocol/presence.ts';
import { DEFAULT_PARTICIPANT_STATE } from '../../src/protocol/presence.ts';
import { Roster } from '../../src/client/roster.ts';
import { participant as person } from './fakes.ts';

function welcome(self: string, participants: Participant[], resumed = false): ServerMessage {
  return {
    type: 'welcome',
    room: 'r',
    participantId: self,
    resumeToken: 't',
    resumed,
    participants,
    heartbeatIntervalMs: 1000,
    staleAfterMs: 5000,
  };
}

const cam = (sessionId: string, trackName = 'camera-1'): PublishedTrack => ({
  sessionId,
  trackName,
  kind: 'video',
  source: 'camera',
});

const ids = (list: readonly { id: string }[]) => list.map((p) => p.id);

void describe('Roster', () => {
  void it('a welcome sets who we are and shows everyone else as joined', () => {
    const roster = new Roster();
    const diff = roster.apply(welcome('me', [person('me'), person('ada'), person('bob')]));
    assert.equal(roster.selfId, 'me');
    assert.deepEqual(diff.welcome, { resumed: false });
    assert.deepEqual(ids(diff.joined), ['ada', 'bob']);
    assert.deepEqual(ids(roster.others()), ['ada', 'bob']);
    assert.equal(roster.self()?.id, 'me');
  });

  void it('joins and leaves carry the participant and the reason; leaves list the id as gone', () => {
    const roster = new Roster();
    roster.apply(welcome('me', [person('me')]));
    assert.deepEqual(ids(roster.apply({ type: 'participant-joined', participant: person('ada') }).joined), [
      'ada',
    ]);
    const diff = roster.apply({ type: 'participant-left', participantId: 'ada', reason: 'stale' });
    assert.deepEqual(
      diff.left.map((l) => [l.participant.id, l.reason]),
      [['ada', 'stale']],
    );
    assert.deepEqual(diff.gone, ['ada']);
    assert.equal(roster.get('ada'), undefined);
  });

  void it('a second welcome (a new participant after expiry) drops those no longer there', () => {
    const roster = new Roster();
    roster.apply(welcome('me', [person('me'), person('ada'), person('bob')]));
    const diff = roster.apply(welcome('me2', [person('me2'), person('bob')]));
    assert.deepEqual([...diff.gone].sort(), ['ada', 'me']);
    assert.deepEqual(
      diff.left.map((l) => l.participant.id),
      ['ada'],
    );
    assert.deepEqual(ids(roster.others()), ['bob']);
  });

  void it('tracks replace earlier announcements of the same sessionId/trackName, without mutating messages', () => {
    const roster = new Roster();
    const ada = person('ada');
    roster.apply(welcome('me', [person('me'), ada]));
    const first = roster.apply({ type: 'tracks-published', participantId: 'ada', tracks: [cam('s1')] });
    assert.deepEqual(
      first.published.map((x) => x.track.trackName),
      ['camera-1'],
    );
    roster.apply({ type: 'tracks-published', participantId: 'ada', tracks: [cam('s1')] });
    assert.equal(roster.get('ada')?.tracks.length, 1);
    assert.equal(ada.tracks.length, 0, 'the welcome message is not mutated');
    const off = roster.apply({ type: 'tracks-unpublished', participantId: 'ada', trackNames: ['camera-1'] });
    assert.deepEqual(
      off.unpublished.map((x) => [x.participant.id, x.track.source]),
      [['ada', 'camera']],
    );
    assert.deepEqual(roster.get('ada')?.tracks, []);
  });

  void it('breakouts hide and show participants: leaves with reason `breakout`, not gone', () => {
    const roster = new Roster();
    roster.apply(welcome('me', [person('me'), person('ada'), person('bob')]));
    const split = roster.apply({ type: 'breakouts', assignments: { ada: 'b1' } });
    assert.deepEqual(
      split.left.map((l) => [l.participant.id, l.reason]),
      [['ada', 'breakout']],
    );
    assert.deepEqual(split.gone, []);
    const follow = roster.apply({ type: 'breakouts', assignments: { ada: 'b1', me: 'b1' } });
    assert.deepEqual(ids(follow.joined), ['ada']);
    assert.deepEqual(
      follow.left.map((l) => l.participant.id),
      ['bob'],
    );
    assert.deepEqual(ids(roster.others()), ['ada']);
  });

  void it('state and session updates; messages about unknown participants change nothing', () => {
    const roster = new Roster();
    roster.apply(welcome('me', [person('me'), person('ada')]));
    roster.apply({
      type: 'participant-state',
      participantId: 'ada',
      state: { ...DEFAULT_PARTICIPANT_STATE, muted: true },
      connected: false,
    });
    assert.equal(roster.get('ada')?.state.muted, true);
    assert.equal(roster.get('ada')?.connected, false);
    roster.apply({
      type: 'participant-session',
      participantId: 'ada',
      session: { sessionId: 's9', chat: true },
    });
    assert.equal(roster.byChatSession('s9')?.id, 'ada');
    assert.equal(
      roster.apply({ type: 'tracks-published', participantId: 'x', tracks: [cam('s')] }).changed,
      false,
    );
    assert.equal(roster.apply({ type: 'heartbeat-ack' }).changed, false);
  });
});
