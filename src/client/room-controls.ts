/**
 * The Room's participant and host actions beyond media and chat: name, avatar and metadata, hand, reactions,
 * and a host's mute-all, lock, lobby, admit, deny and end. Each checks its input first and throws a
 * `RoomError` with a stable code (`host-only`, `invalid-input`, `rate-limited`, `not-joined`); the backend
 * checks again.
 */
import { checkMetadata, type Metadata } from '../protocol/metadata.ts';
import type { ClientMessage, ParticipantProfile, ParticipantRole } from '../protocol/presence.ts';
import { avatarUrlProblem, nameProblem } from '../protocol/profile.ts';
import { Reactions } from './reactions.ts';
import { RoomError, type RoomNotification, type RoomStatus } from './room-types.ts';

export interface ControlsHost {
  status(): RoomStatus;
  role(): ParticipantRole | undefined;
  selfId(): string | undefined;
  send(message: ClientMessage): void;
  /** Sends on our reactions channel; false when it is not open. */
  sendReaction(payload: string): boolean;
  notify(notification: RoomNotification): void;
}

export class RoomControls {
  readonly reactions = new Reactions();
  /** Our profile as the next join sends it (a new participant after an expired resume, too). */
  readonly profile: ParticipantProfile = {};

  constructor(private readonly host: ControlsHost) {}

  /** Checks a page's avatar URL and metadata for the join (throws `invalid-input`). */
  initialProfile(avatarUrl: string | undefined, metadata: Metadata | undefined): void {
    if (avatarUrl) this.profile.avatarUrl = checkedAvatar(avatarUrl);
    if (metadata) this.profile.metadata = checkedMetadata(metadata);
  }

  setName(name: string): void {
    const problem = nameProblem(name);
    if (problem) throw new RoomError('invalid-input', problem);
    this.#profile({ name: name.trim() });
  }

  /** New avatar or metadata (an empty string or object clears it). */
  setProfile(change: { avatarUrl?: string; metadata?: Metadata }): void {
    const profile: ParticipantProfile = {};
    if (change.avatarUrl !== undefined)
      profile.avatarUrl = change.avatarUrl && checkedAvatar(change.avatarUrl);
    if (change.metadata !== undefined) profile.metadata = checkedMetadata(change.metadata);
    this.#profile(profile);
  }

  setHand(raised: boolean): void {
    this.#joined();
    this.host.send({ type: 'state', state: { handRaised: raised } });
  }

  react(emoji: string): void {
    this.#joined();
    const out = this.reactions.outgoing(emoji);
    if (!this.host.sendReaction(out.payload))
      throw new RoomError('not-joined', 'reactions are not ready yet');
    this.host.notify({
      type: 'reaction',
      participantId: this.host.selfId() ?? '',
      emoji: out.emoji,
    });
  }

  muteAll(): void {
    this.#host('mute-all', { type: 'mute-all' });
  }

  setRoomSettings(settings: { locked?: boolean; lobby?: boolean }): void {
    this.#host('room-settings', { type: 'room-settings', settings });
  }

  admit(participantId: string, admit: boolean): void {
    this.#host(admit ? 'admit' : 'deny', { type: admit ? 'admit' : 'deny', participantId });
  }

  endMeeting(): void {
    this.#host('end-meeting', { type: 'end-meeting' });
  }

  #profile(profile: ParticipantProfile): void {
    Object.assign(this.profile, profile);
    if (this.host.status() === 'joined') this.host.send({ type: 'profile', profile });
  }

  #joined(): void {
    if (this.host.status() !== 'joined') throw new RoomError('not-joined', 'join the room first');
  }

  #host(action: string, message: ClientMessage): void {
    this.#joined();
    if (this.host.role() !== 'host') throw new RoomError('host-only', `only a host may ${action}`);
    this.host.send(message);
  }
}

function checkedAvatar(url: string): string {
  const problem = avatarUrlProblem(url);
  if (problem) throw new RoomError('invalid-input', problem);
  return url;
}

function checkedMetadata(value: unknown): Metadata {
  const check = checkMetadata(value);
  if (!check.ok) throw new RoomError('invalid-input', check.problem);
  return check.value;
}
