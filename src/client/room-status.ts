/**
 * Where the Room is in its life (idle → joining / waiting → joined → left / failed), the overall connection it
 * reports, the role its token gives and the last error. Transitions of the connection and errors notify.
 */
import type { ParticipantRole } from '../protocol/presence.ts';
import { connectionState } from './connection.ts';
import type { Notifier } from './notifier.ts';
import type { PresenceStatus } from './presence-client.ts';
import type { ConnectionState, RoomError, RoomStatus } from './room-types.ts';
import type { SfuSessionState } from './sfu-session-types.ts';

export class RoomStatusState {
  status: RoomStatus = 'idle';
  role: ParticipantRole | undefined;
  error: RoomError | undefined;
  /** The lobby held us while joining. */
  waited = false;
  #connection: ConnectionState = 'new';

  constructor(private readonly out: Notifier) {}

  get connection(): ConnectionState {
    return this.#connection;
  }

  /** Joining or waiting: the join has not finished yet. */
  get joining(): boolean {
    return this.status === 'joining' || this.status === 'waiting';
  }

  setConnection(state: ConnectionState): void {
    if (state === this.#connection) return;
    const previous = this.#connection;
    this.#connection = state;
    this.out.notify({ type: 'connection-state-change', state, previous });
    this.out.changed();
  }

  /** The connection as the status and the two links say it (connection.ts). */
  update(replacing: boolean, presence: PresenceStatus | undefined, sfu: SfuSessionState | undefined): void {
    const state = connectionState(this.status, replacing, presence, sfu);
    if (state) this.setConnection(state);
  }

  fail(error: RoomError): void {
    this.error = error;
    this.out.notify({ type: 'error', error });
    this.out.changed();
  }
}
