/**
 * `avatar-url`, `metadata` and a host's `lobby` of `<calls-room>` as the room model gets them: checked for the
 * join (a bad value is reported as `calls-error` `invalid-input` and left out), and sent again when they change.
 */
import type { PropertyValues } from 'lit';
import type { Room } from '../client/room.ts';
import { RoomError } from '../client/room-types.ts';
import { parseMetadataAttribute, type Metadata } from '../protocol/metadata.ts';
import { avatarUrlProblem } from '../protocol/profile.ts';

export interface ProfileSource {
  avatarUrl: string;
  metadata: string;
  lobby: boolean;
}

type Report = (error: RoomError) => void;

/** The join's `avatarUrl` and `metadata`. */
export function profileOptions(
  el: ProfileSource,
  report: Report,
): { avatarUrl?: string; metadata?: Metadata } {
  const problem = el.avatarUrl ? avatarUrlProblem(el.avatarUrl) : undefined;
  if (problem) report(new RoomError('invalid-input', problem));
  const metadata = parseMetadataAttribute(el.metadata);
  if (!metadata.ok) report(new RoomError('invalid-input', metadata.problem));
  return {
    ...(el.avatarUrl && !problem ? { avatarUrl: el.avatarUrl } : {}),
    ...(metadata.ok && Object.keys(metadata.value).length ? { metadata: metadata.value } : {}),
  };
}

/** Live changes while joined. */
export function syncProfile(
  el: ProfileSource,
  room: Room | undefined,
  changed: PropertyValues,
  report: Report,
): void {
  if (!room || room.state.status !== 'joined') return;
  const run = (action: () => void) => {
    try {
      action();
    } catch (error) {
      if (error instanceof RoomError) report(error);
    }
  };
  if (changed.has('avatarUrl') || changed.has('metadata')) {
    const metadata = parseMetadataAttribute(el.metadata);
    if (!metadata.ok) report(new RoomError('invalid-input', metadata.problem));
    run(() =>
      room.controls.setProfile({
        ...(changed.has('avatarUrl') ? { avatarUrl: el.avatarUrl } : {}),
        ...(changed.has('metadata') && metadata.ok ? { metadata: metadata.value } : {}),
      }),
    );
  }
  if (changed.has('lobby') && room.state.role === 'host' && room.state.lobby !== el.lobby)
    run(() => room.controls.setRoomSettings({ lobby: el.lobby }));
}
