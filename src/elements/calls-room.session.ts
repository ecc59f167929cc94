/**
 * The Room a `<calls-room>` drives: waits for the engine chunk (loading since the element connected), makes
 * the Room from the element's attributes, and keeps join and leave attempts in order (a `leave()` while the
 * chunk loads wins). Failures are `RoomError`s reported through `error` before `join()` rejects.
 */
import type { ReactiveControllerHost } from 'lit';
import type { Room } from '../client/room.ts';
import { RoomError, type RoomNotification, type RoomOptions } from '../client/room-types.ts';
import { loadEngine } from './calls-room.engine.ts';
import { profileOptions, type ProfileSource } from './calls-room.profile.ts';

/** The element's attributes a Room is made from. */
export interface JoinSource extends ProfileSource {
  endpoint: string;
  tokenEndpoint: string;
  token: string;
  room: string;
  name: string;
  muted: boolean;
  cameraOff: boolean;
  noSimulcast: boolean;
  maxBitrate: number | undefined;
  maxFramerate: number | undefined;
  noChat: boolean;
  noAnalytics: boolean;
}

/** The Room's options from the element (`call`: the room and token a support line handed over). */
export function roomOptions(
  el: JoinSource,
  call: { room: string; token: string } | undefined,
  you: string,
  report: (error: RoomError) => void,
): RoomOptions {
  return {
    endpoint: el.endpoint || '/api',
    ...(el.tokenEndpoint ? { tokenEndpoint: el.tokenEndpoint } : {}),
    ...(call ? { token: call.token } : el.token ? { token: el.token } : {}),
    room: call?.room ?? el.room,
    name: el.name || you,
    muted: el.muted,
    cameraOff: el.cameraOff,
    simulcast: !el.noSimulcast,
    ...(el.maxBitrate ? { maxBitrate: el.maxBitrate } : {}),
    ...(el.maxFramerate ? { maxFramerate: el.maxFramerate } : {}),
    chat: !el.noChat,
    ...profileOptions(el, report),
    analytics: !el.noAnalytics,
  };
}

export interface SessionCallbacks {
  /** The Room's options, read from the element as the join starts. */
  options(): RoomOptions;
  notify(n: RoomNotification): void;
  /** The engine chunk could not load: the element shows and reports `error`. */
  loadFailed(error: RoomError): void;
  /** A new Room was made (its first notification follows). */
  started(): void;
}

export class RoomSession {
  #room: Room | undefined;
  #unsubscribe: (() => void) | undefined;
  /** The join started here until it settles; `#attempt` is bumped by every join and leave. */
  #joining: Promise<void> | undefined;
  #attempt = 0;
  #loading = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly on: SessionCallbacks,
  ) {}

  get room(): Room | undefined {
    return this.#room;
  }

  /** True from `join()` until the engine chunk has arrived (or failed). */
  get loading(): boolean {
    return this.#loading;
  }

  /** Starts fetching the engine chunk; `join()` reports a failure, so one here is not the page's yet. */
  preload(): void {
    loadEngine().catch(() => undefined);
  }

  /** Joins once; while joining or joined, later calls share the attempt. */
  join(before: () => void): Promise<void> {
    const current = this.#room;
    if (current && (current.state.status === 'joining' || current.state.status === 'joined')) {
      return current.join();
    }
    if (this.#joining) return this.#joining;
    const joining = this.#loadAndJoin(before).finally(() => {
      if (this.#joining === joining) this.#joining = undefined;
    });
    this.#joining = joining;
    return joining;
  }

  async #loadAndJoin(before: () => void): Promise<void> {
    const attempt = ++this.#attempt;
    before();
    this.#loading = true;
    this.host.requestUpdate();
    let engine;
    try {
      engine = await loadEngine();
    } catch (error) {
      if (attempt === this.#attempt) this.on.loadFailed(error as RoomError);
      throw error;
    } finally {
      this.#loading = false;
      this.host.requestUpdate();
    }
    if (attempt !== this.#attempt) throw new RoomError('not-joined', 'left while joining', true);
    this.#unsubscribe?.();
    const room = new engine.Room(this.on.options());
    this.#room = room;
    this.#unsubscribe = room.subscribe((n) => this.on.notify(n));
    this.on.started();
    return room.join();
  }

  leave(): void {
    // A join still waiting for the chunk ends (rejects) as it arrives; the next join() is a new attempt.
    this.#attempt++;
    this.#joining = undefined;
    this.#room?.leave();
  }

  /** Runs a control of the joined room; `not-joined` before that. */
  control(action: (controls: Room['controls']) => void): void {
    if (!this.#room) throw new RoomError('not-joined', 'join the room first');
    action(this.#room.controls);
  }
}
