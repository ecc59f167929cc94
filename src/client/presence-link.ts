/**
 * The Room's side of the presence socket: connects it, keeps the Roster from its messages, and reports
 * each message to the Room by name. Moderation and announcements go out through `send`.
 */
import type {
  ClientMessage,
  ParticipantProfile,
  ParticipantState,
  ServerMessage,
  TrackKind,
} from '../protocol/presence.ts';
import type { ActiveRecording } from '../protocol/recording.ts';
import { presenceJoinError } from './errors.ts';
import type { PresencePort } from './ports.ts';
import type { PresenceClientOptions, PresenceFatalCode } from './presence-client.ts';
import type { ControlMessage } from './room-control.ts';
import { Roster, type RosterDiff } from './roster.ts';

export interface PresenceLinkListener {
  roster(diff: RosterDiff): void;
  muteRequested(kind: TrackKind): void;
  /** The room's running recording (null: none), from every welcome and each change. */
  recording(recording: ActiveRecording | null): void;
  /** A host removed us (said before the server closes the socket). */
  removed(): void;
  /** A non-fatal error from the server (a refused request). */
  refused(message: string): void;
  /** After every message but a heartbeat's answer. */
  handled(): void;
  status(): void;
  fatal(code: PresenceFatalCode, message: string): void;
  /** Lock, lobby, hands: the room's news (see `RoomControl`). */
  control(message: ControlMessage): void;
  /** The lobby holds us until a host lets us in. */
  waiting(): void;
  /** A host ended the meeting (said before the server closes the socket). */
  ended(): void;
}

export interface PresenceLinkOptions {
  create: (options: PresenceClientOptions) => PresencePort;
  url: string;
  token: () => Promise<string>;
  state: () => Partial<ParticipantState>;
  profile: () => ParticipantProfile;
}

export class PresenceLink {
  readonly roster = new Roster();
  #port: PresencePort | undefined;

  constructor(private readonly listener: PresenceLinkListener) {}

  get port(): PresencePort | undefined {
    return this.#port;
  }

  /** Connects until the welcome; rejects with the Room's error for a refusal. */
  async connect(o: PresenceLinkOptions): Promise<void> {
    const l = this.listener;
    this.#port = o.create({
      url: o.url,
      token: o.token,
      state: o.state,
      profile: o.profile,
      onMessage: (message) => this.#onMessage(message),
      onStatus: () => l.status(),
      onFatal: (code, message) => l.fatal(code, message),
    });
    try {
      await this.#port.connect();
    } catch (error) {
      throw presenceJoinError(error);
    }
  }

  send(message: ClientMessage): void {
    this.#port?.send(message);
  }

  /** Closes the socket, saying `leave` so the others see us go at once. */
  close(): void {
    this.#port?.close(true);
  }

  #onMessage(message: ServerMessage): void {
    const l = this.listener;
    switch (message.type) {
      case 'mute-requested':
        l.muteRequested(message.kind);
        break;
      case 'removed':
        l.removed();
        break;
      case 'error':
        if (!message.fatal) l.refused(message.message);
        break;
      case 'heartbeat-ack':
        return;
      case 'waiting':
        l.waiting();
        break;
      case 'ended':
        l.ended();
        break;
      case 'room-settings-changed':
      case 'hands':
      case 'lobby':
        l.control(message);
        break;
      case 'recording':
        l.recording(message.recording);
        break;
      case 'welcome':
        l.control(message);
        l.recording(message.recording ?? null);
        l.roster(this.roster.apply(message));
        break;
      case 'participant-joined':
      case 'participant-left':
      case 'participant-session':
      case 'participant-state':
      case 'tracks-published':
      case 'tracks-unpublished':
      case 'breakouts':
      case 'participant-profile':
        l.roster(this.roster.apply(message));
    }
    l.handled();
  }
}
