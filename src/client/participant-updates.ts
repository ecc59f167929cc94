/** `calls-participant-updated`: what changed about each participant between two snapshots. */
import type { ParticipantChange, ParticipantView, RoomNotification, RoomState } from './room-types.ts';

const CHECKS: [ParticipantChange, (p: ParticipantView) => unknown][] = [
  ['microphone', (p) => p.state.muted],
  ['camera', (p) => p.state.cameraOff],
  ['screen', (p) => !!p.screen],
  ['hand', (p) => p.state.handRaised],
  ['name', (p) => p.name],
  ['avatar', (p) => p.avatarUrl],
  ['metadata', (p) => JSON.stringify(p.metadata ?? {})],
];

/** One notification per participant present in both snapshots whose media state, hand or profile changed. */
export function participantUpdates(before: RoomState, after: RoomState): RoomNotification[] {
  const previous = new Map(before.participants.map((p) => [p.id, p]));
  const out: RoomNotification[] = [];
  for (const participant of after.participants) {
    const was = previous.get(participant.id);
    if (!was || was === participant) continue;
    const changes = CHECKS.filter(([, read]) => read(was) !== read(participant)).map(([change]) => change);
    if (changes.length > 0) out.push({ type: 'participant-updated', participant, changes });
  }
  return out;
}
