import { LitElement, type PropertyValues } from 'lit';
import { ContextProvider } from '@lit/context';
import type { Room } from '../client/room.ts';
import { RoomError, type RoomState } from '../client/room-types.ts';
import { idleState } from '../client/snapshot.ts';
import { roomContext, type RoomContextValue, type RoomUi } from './context.ts';
import { roomStyles } from './calls-room.styles.ts';
import { errorEvent } from './calls-room.events.ts';
import { quiet, roomActions } from './calls-room.actions.ts';
import { RoomStrings } from './calls-room.lang.ts';
import { onNotification } from './calls-room.notifications.ts';
import { PrejoinPreview } from './calls-room.prejoin.ts';
import { LazyQueueWaiting } from './calls-room.queue-loader.ts';
import { RoomSession, roomOptions } from './calls-room.session.ts';
import { RoomShortcuts } from './calls-room.shortcuts.ts';
import { StageTiles } from './calls-room.stage.ts';
import { renderRoom } from './calls-room.view.ts';
import { PictureInPicture, pipTrack } from './calls-room.pip.ts';
import { syncProfile } from './calls-room.profile.ts';
import { ReactionBursts } from './calls-room.reactions.ts';
import { initialUi, withExtras, withLayout } from './calls-room.ui.ts';
import { CallsPipChangeEvent } from './events.ts';
import { RoomRecorder } from './calls-room.recording.ts';
import { recordingStyles } from './calls-room.recording.styles.ts';
import type { ActiveRecording } from '../protocol/recording.ts';
import type { CallsStrings, CallsStringsOverride } from './strings.ts';
import './calls-tile.ts';
import './calls-controls.ts';
import './calls-chat.ts';

/**
 * A video room on Cloudflare Realtime (Calls): drop it into a page with a backend `endpoint` and a `room`,
 * and it joins, renders a tile per participant (and per screen share), the controls and the chat. Pages
 * with their own layout put `<calls-tile>` and `<calls-controls>` children in the `tiles` and `controls`
 * slots; those read the room through context.
 *
 * Joins on its own once connected with a `room` (after the device preview with `prejoin`); `join()`
 * returns the same attempt. Keyboard: Ctrl/⌘+D toggles the microphone, Ctrl/⌘+E the camera while focus
 * is inside the room.
 *
 * @summary An embeddable video room.
 *
 * @slot tiles - Your own tiles (`<calls-tile participant-id source>`), replacing the built-in grid.
 * @slot controls - Your own controls, replacing the built-in `<calls-controls>`.
 *
 * @fires {CallsJoinedEvent} calls-joined - The room was joined: `{participantId, room}`.
 * @fires {CallsLeftEvent} calls-left - The room was left or ended: `{reason}`.
 * @fires {CallsParticipantJoinedEvent} calls-participant-joined - Someone became visible (joined, or came into our breakout).
 * @fires {CallsParticipantLeftEvent} calls-participant-left - Someone left (or went to another breakout): `{participant, reason}`.
 * @fires {CallsTrackPublishedEvent} calls-track-published - A track was published (local or remote).
 * @fires {CallsTrackUnpublishedEvent} calls-track-unpublished - A track was unpublished.
 * @fires {CallsTrackSubscribedEvent} calls-track-subscribed - A remote track arrived: `{participantId, source, track}`.
 * @fires {CallsMessageEvent} calls-message - A chat message or `send()` data arrived (own messages included).
 * @fires {CallsActiveSpeakerChangeEvent} calls-active-speaker-change - The active speaker changed.
 * @fires {CallsConnectionStateChangeEvent} calls-connection-state-change - `new`, `connecting`, `connected`, `reconnecting` or `disconnected`.
 * @fires {CallsErrorEvent} calls-error - Something failed: a stable `code`, a translated `message`, `fatal`.
 * @fires {CallsNetworkQualityChangeEvent} calls-network-quality-change - A participant's link quality changed (yours included): `{participantId, quality: good|fair|poor, reason: loss|rtt|bandwidth|cpu|null}`.
 * @fires {CallsStatsEvent} calls-stats - Every 10 s: `{samples}`, one per participant with their tracks' bitrate, loss, jitter, RTT, frame rate, resolution, freezes, quality limitation and layer (what the analytics send).
 * @fires {CallsQueueChangeEvent} calls-queue-change - With `queue`: `waiting` (position, estimate), `answered`, `abandoned`, `unavailable` (code), `ended`.
 * @fires {CallsParticipantUpdatedEvent} calls-participant-updated - A participant's microphone, camera, screen share, hand, name, avatar or metadata changed (local and remote): `{participant, changes}`.
 * @fires {CallsHandRaisedEvent} calls-hand-raised - Someone raised their hand: `{participantId, position}` (1 = first in line).
 * @fires {CallsReactionEvent} calls-reaction - Someone (you included) sent a reaction: `{participantId, emoji}`.
 * @fires {CallsKnockEvent} calls-knock - Hosts: someone waits in the lobby: `{participant}` (`id` for `admit()` / `deny()`).
 * @fires {CallsMutedByHostEvent} calls-muted-by-host - A host turned off your microphone (`audio`) or camera (`video`): `{kind}`.
 * @fires {CallsLockedChangeEvent} calls-locked-change - The room was locked or unlocked: `{locked}`.
 * @fires {CallsPipChangeEvent} calls-pip-change - Picture-in-picture opened or closed: `{active, mode}` (`document` or `video`).
 * @fires {CallsRecordingChangeEvent} calls-recording-change - A recording `started`, `stopped` or `failed`: `{action, recordingId, startedBy}`.
 *
 * @csspart base - The room's wrapper.
 * @csspart status - The joining / reconnecting / left line, and notices such as a host muting you.
 * @csspart error - The visible error message.
 * @csspart error-dismiss - The error's dismiss button.
 * @csspart stage - The area with the tiles.
 * @csspart prejoin - The device preview before joining.
 * @csspart join-button - The join button (and, with `queue`, "call again").
 * @csspart queue - With `queue`: the waiting view (also `queue-preview`, `queue-status`, `queue-position`, `queue-estimate`, `queue-agents`, `queue-cancel-button`).
 * @csspart live-region - The visually hidden live region announcing joins and leaves.
 * @csspart waiting - The lobby's waiting view (your preview and a cancel button).
 * @csspart cancel-button - Leaves the lobby.
 * @csspart lobby - Hosts: the list of who waits in the lobby.
 * @csspart admit-button - Hosts: lets one waiting participant in.
 * @csspart deny-button - Hosts: turns one waiting participant away.
 * @csspart hands - Hosts: the raised hands, in order.
 * @csspart tile - Each tile's wrapper (also `tile-video`, `tile-avatar`, `tile-bar`, `tile-name`, `tile-muted-icon`, `tile-pin-button`, `tile-quality`, `tile-mute-button`, `tile-remove-button`, `tile-hand`, `tile-reaction`, `tile-metadata`).
 * @csspart controls - The controls' toolbar (also `mic-button`, `camera-button`, `screen-button`, `chat-button`, `leave-button`, `devices`, `device-select`, `hand-button`, `reactions`, `reaction-button`, `pip-button`, `host-menu`).
 * @csspart recording - The recording indicator, shown to everyone while the room records.
 * @csspart record-button - The hosts' Record / Stop recording button.
 * @csspart chat - The chat panel (also `chat-log`, `chat-message`, `chat-form`, `chat-input`, `chat-send-button`).
 *
 * @cssprop --calls-color-accent - Accent colour (toggles on, focus ring, speaking outline).
 * @cssprop --calls-color-on-accent - Text on the accent colour.
 * @cssprop --calls-color-background - The room's background.
 * @cssprop --calls-color-surface - Panels (chat, device pickers).
 * @cssprop --calls-color-text - Text colour.
 * @cssprop --calls-color-text-muted - Secondary text.
 * @cssprop --calls-color-danger - Errors, leave, devices that are off.
 * @cssprop --calls-radius - Corner radius.
 * @cssprop --calls-gap - Spacing between tiles and controls.
 * @cssprop --calls-font-family - Font.
 * @cssprop --calls-focus-ring - Focus outline.
 * @cssprop --calls-transition-duration - Transitions (0 under `prefers-reduced-motion`).
 * @cssprop --calls-tile-min-width - Smallest tile width in the grid (default 200px).
 * @cssprop --calls-room-min-height - The room's minimum height.
 * @cssprop --calls-room-padding - Padding inside the room.
 * @cssprop --calls-room-strip-tile-width - Width of the small tiles in the spotlight layout.
 * @cssprop --calls-room-error-background - Background of the error message.
 * @cssprop --calls-recording-background - Background of the recording indicator.
 * @cssprop --calls-recording-color - Text of the recording indicator.
 *
 * @cssstate recording - The room is being recorded.
 */
export class CallsRoom extends LitElement {
  static override styles = [...roomStyles, recordingStyles];

  static override properties = {
    endpoint: { type: String },
    tokenEndpoint: { type: String, attribute: 'token-endpoint' },
    token: { type: String },
    room: { type: String },
    queue: { type: String },
    metadata: { type: String },
    name: { type: String },
    prejoin: { type: Boolean },
    muted: { type: Boolean },
    cameraOff: { type: Boolean, attribute: 'camera-off' },
    layout: { type: String },
    maxBitrate: { type: Number, attribute: 'max-bitrate' },
    maxFramerate: { type: Number, attribute: 'max-framerate' },
    noSimulcast: { type: Boolean, attribute: 'no-simulcast' },
    noChat: { type: Boolean, attribute: 'no-chat' },
    noReactions: { type: Boolean, attribute: 'no-reactions' },
    controls: { type: String },
    avatarUrl: { type: String, attribute: 'avatar-url' },
    lobby: { type: Boolean },
    noAnalytics: { type: Boolean, attribute: 'no-analytics' },
    lang: { type: String },
    strings: { attribute: false },
    _state: { state: true },
    _ui: { state: true },
    _announcement: { state: true },
    _notice: { state: true },
    _dismissed: { state: true },
  };

  /** Backend base URL; `/api` on the page's origin by default. */
  declare endpoint: string;
  /** Token endpoint (`POST {room, name}` → `{token, expiresAt}`); `{endpoint}/token` by default. */
  declare tokenEndpoint: string;
  /** A room token minted by your backend: skips the token endpoint. */
  declare token: string;
  /** The room to join. */
  declare room: string;
  /**
   * A support line to call instead of a room: waits in line (a waiting view) until an agent answers, then the
   * call opens here. The token (or token endpoint) is for a room named like the queue.
   */
  declare queue: string;
  /** JSON object the page attaches (at most 1 KiB; untrusted): carried to agents with a support-line call and to everyone through presence. */
  declare metadata: string;
  /** Your display name. */
  declare name: string;
  /** Show a device preview, name field and toggles before joining. */
  declare prejoin: boolean;
  /** Join with the microphone muted. */
  declare muted: boolean;
  /** Join with the camera off. */
  declare cameraOff: boolean;
  /** `grid` (default) or `spotlight` (the pinned tile or the active speaker large). */
  declare layout: 'grid' | 'spotlight';
  /** Top simulcast layer's bitrate in bits per second (default 1 200 000); the lower layers scale with it. Applies live. */
  declare maxBitrate: number | undefined;
  /** Camera frame rate cap. Applies live. */
  declare maxFramerate: number | undefined;
  /** Send one camera encoding instead of three simulcast layers. */
  declare noSimulcast: boolean;
  /** No chat panel and no chat data channel. */
  declare noChat: boolean;
  /** No reaction buttons, and others' reactions are not shown. */
  declare noReactions: boolean;
  /** The buttons to show, space-separated: `microphone camera screen chat hand reactions pip devices host leave` (default: all). */
  declare controls: string;
  /** Your picture (an `https:` or `data:image/` URL), shown to everyone while your camera is off. */
  declare avatarUrl: string;
  /** On a host's element: new participants wait in a lobby until a host admits them (hosts and those already in come straight in). */
  declare lobby: boolean;
  /** Send no call-quality analytics to `{endpoint}/analytics` (`calls-stats` still fires). */
  declare noAnalytics: boolean;
  /** Language of the built-in texts (`en`, `de`); the page's `<html lang>` by default. */
  declare lang: string;
  /** Overrides for any text (see `CallsStrings`); merged over the table for `lang`. */
  declare strings: CallsStringsOverride | undefined;

  declare _state: RoomState;
  declare _ui: RoomUi;
  declare _announcement: string;
  /** Shown in the status line until the user toggles their media (a host muted them). */
  declare _notice: 'audio' | 'video' | 'ended' | '';
  declare _dismissed: RoomError | undefined;

  #autoJoined = false;
  #focusAfterJoin = false;
  /** With `queue`: the call room and token the line handed over. */
  #call: { room: string; token: string } | undefined;
  readonly #texts = new RoomStrings(this);
  readonly #line = new LazyQueueWaiting(this, {
    strings: () => this.#strings(),
    answered: (room, token) => {
      this.#call = { room, token };
      this.join().catch(() => undefined);
    },
    ended: () => this.#session.room?.leave(),
    fail: (error) => this.#dispatchError(error),
    announce: (text) => (this._announcement = text),
  });
  readonly #stage = new StageTiles(this);
  readonly #preview = new PrejoinPreview(this, () => !this.#session.room && !this.#session.loading);
  readonly #provider = new ContextProvider(this, { context: roomContext });
  readonly #waitingPreview = new PrejoinPreview(this, () => this.#session.room?.state.status === 'waiting');
  readonly #bursts = new ReactionBursts(this);
  readonly #pip = new PictureInPicture(
    this,
    () => pipTrack(this._state, this._ui.pinned),
    (active, mode) => this.dispatchEvent(new CallsPipChangeEvent({ active, mode })),
  );
  readonly #recorder = new RoomRecorder(this, {
    strings: () => this.#strings(),
    announce: (text) => (this._announcement = text),
    error: (error) => this.#dispatchError(error),
  });
  readonly #session = new RoomSession(this, {
    options: () => roomOptions(this, this.#call, this.#strings().you, (e) => this.#dispatchError(e)),
    notify: (n) =>
      onNotification(
        this,
        {
          strings: () => this.#strings(),
          error: (e) => this.#dispatchError(e),
          bursts: this.#bursts,
          recorder: this.#recorder,
          waitingPreview: this.#waitingPreview,
          joined: () => {
            if (this.lobby && this.#session.room?.state.role === 'host') quiet(() => this.#setLobby(true));
          },
          takeFocusAfterJoin: () => {
            const focus = this.#focusAfterJoin;
            this.#focusAfterJoin = false;
            return focus;
          },
        },
        n,
      ),
    loadFailed: (error) => {
      this._state = { ...idleState(), room: this.room, status: 'failed', error };
      this.#dispatchError(error);
    },
    started: () => {
      this._dismissed = undefined;
      this._notice = '';
    },
  });
  readonly #actions = roomActions(this, (key, preference) =>
    this.#session.room?.setVideoPreference(key, preference),
  );

  constructor() {
    super();
    this.endpoint = '/api';
    this.tokenEndpoint = '';
    this.token = '';
    this.room = '';
    this.queue = '';
    this.metadata = '';
    this.name = '';
    this.prejoin = false;
    this.muted = false;
    this.cameraOff = false;
    this.layout = 'grid';
    this.noSimulcast = false;
    this.noChat = false;
    this.noReactions = false;
    this.controls = '';
    this.avatarUrl = '';
    this.lobby = false;
    this.noAnalytics = false;
    this.strings = undefined;
    this._state = idleState();
    this._ui = initialUi();
    this._announcement = this._notice = '';
    this._dismissed = undefined;
    new RoomShortcuts(this);
  }

  /** The room's current snapshot. */
  get state(): RoomState {
    return this._state;
  }

  /** The room model (advanced use and tests); loaded with the engine chunk, so undefined before `join()`. */
  get model(): Room | undefined {
    return this.#session.room;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#autoJoined = false;
    // The engine chunk loads while the page or the device preview shows; join() waits for it.
    this.#session.preload();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.leave();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('noChat') || changed.has('layout')) this._ui = withLayout(this._ui, this);
    this._ui = withExtras(this._ui, {
      controls: this.controls,
      reactions: !this.noReactions,
      recentReactions: this.#bursts.recent,
      pip: this.#pip.active,
    });
    this.#provider.setValue(this.#contextValue(), true);
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const room = this.#session.room;
    if (changed.has('maxBitrate') || changed.has('maxFramerate')) {
      void room?.setCameraLimits(this.maxBitrate, this.maxFramerate);
    }
    syncProfile(this, room, changed, (e) => this.#dispatchError(e));
    if (
      !this.#autoJoined &&
      this.isConnected &&
      (this.room || this.queue) &&
      !room &&
      !this.#session.loading
    ) {
      this.#autoJoined = true;
      // After this update: starting renders the waiting view.
      if (this.queue && !this.room) void this.updateComplete.then(() => this.#line.start());
      else if (this.prejoin) void this.#preview.start();
      else this.join().catch(() => undefined);
    }
  }

  #contextValue(): RoomContextValue {
    return { state: this._state, actions: this.#actions, strings: this.#strings(), ui: this._ui };
  }

  #strings(): CallsStrings {
    return this.#texts.get();
  }

  /** Also waits for a language table being loaded, so `updateComplete` means "shown in `lang`". */
  protected override async getUpdateComplete(): Promise<boolean> {
    const done = await super.getUpdateComplete();
    const loading = this.#texts.loading;
    if (!loading) return done;
    await loading;
    return this.getUpdateComplete();
  }

  // ---- public methods ----------------------------------------------------------------------------------

  /** Joins the room (once; later calls share the attempt). Rejects with a `RoomError` after `calls-error`. */
  join(): Promise<void> {
    return this.#session.join(() => this.#preview.stop());
  }

  /** Leaves the room (with `queue`: leaves the line, or hangs up the call). */
  leave(): void {
    this.#session.leave();
    this.#line.stop();
  }

  /** Unmutes or mutes the microphone (shared with the others through presence). */
  async setMicrophoneEnabled(enabled: boolean): Promise<void> {
    this._notice = '';
    await this.#session.room?.setMicrophoneEnabled(enabled);
  }

  /** Turns the camera on or off (off releases the device; the others see the camera-off state). */
  async setCameraEnabled(enabled: boolean): Promise<void> {
    this._notice = '';
    await this.#session.room?.setCameraEnabled(enabled);
  }

  /** Asks for a screen, window or tab and publishes it as its own track (a tile of its own at the others). */
  async startScreenShare(): Promise<void> {
    await this.#session.room?.startScreenShare();
  }

  /** Stops sharing the screen. */
  async stopScreenShare(): Promise<void> {
    await this.#session.room?.stopScreenShare();
  }

  /** Sends chat text, or any JSON-serializable data, to everyone in your breakout (`calls-message`). */
  send(data: unknown): void {
    this.#control(() => this.#session.room?.send(data));
  }

  /** Switches the camera (`videoinput`), microphone (`audioinput`) or speaker (`audiooutput`). */
  async selectDevice(kind: MediaDeviceKind, deviceId: string): Promise<void> {
    if (kind === 'audiooutput') this._ui = { ...this._ui, sinkId: deviceId };
    await this.#session.room?.selectDevice(kind, deviceId);
  }

  /** Host only: puts participants (by id) into breakouts; `null` brings one back to the main room. */
  assignBreakouts(assignments: Record<string, string | null>): void {
    this.#session.room?.assignBreakouts(assignments);
  }

  /** Host only: brings everyone back to the main room. */
  endBreakouts(): void {
    this.#session.room?.endBreakouts();
  }

  /** Host only: asks a participant to turn off their microphone (`audio`, default) or camera (`video`). */
  muteParticipant(participantId: string, kind: 'audio' | 'video' = 'audio'): void {
    this.#session.room?.muteParticipant(participantId, kind);
  }

  /** Host only: removes a participant, who cannot rejoin this room (they get `calls-left` with reason `removed`). */
  removeParticipant(participantId: string): void {
    this.#session.room?.removeParticipant(participantId);
  }

  /**
   * Host only: records the call (a composite of everyone's video and audio) into the backend's storage.
   * Everyone sees the recording indicator. Others get `calls-error` (`recording-forbidden`); a room that
   * records already gives `recording-in-progress` (one recording at a time per room).
   */
  startRecording(): Promise<void> {
    return this.#recorder.start();
  }

  /** Host only: stops the room's recording (any host may stop it); the backend finalizes the file. */
  stopRecording(): Promise<void> {
    return this.#recorder.stop();
  }

  /** The recording running in the room (`{id, startedBy, startedAt}`), or null. */
  get recording(): ActiveRecording | null {
    return this.#recorder.active;
  }

  /** The Calls session's `RTCStatsReport` (undefined before joining). */
  async getStats(): Promise<RTCStatsReport | undefined> {
    return this.#session.room?.getStats();
  }

  /** Changes your display name for everyone (1-64 characters). */
  setName(name: string): void {
    this.#control((c) => c.setName(name));
    this.name = name.trim();
  }

  /** Opens or closes the chat panel (toggles without an argument). */
  toggleChat(open?: boolean): void {
    open ??= !this._ui.chatOpen;
    this._ui = { ...this._ui, chatOpen: open };
    if (open) void this.updateComplete.then(() => this.renderRoot.querySelector('calls-chat')?.focus());
  }

  /** Raises your hand: everyone sees it, hosts in a list in order (`calls-hand-raised`). */
  raiseHand(): void {
    this.#control((c) => c.setHand(true));
  }

  /** Lowers your hand. */
  lowerHand(): void {
    this.#control((c) => c.setHand(false));
  }

  /** Sends a reaction, one of 👍 👏 ❤️ 😂 😮 🎉 (at most 5 in a row, then 1 a second; else `rate-limited`). */
  react(emoji: string): void {
    this.#control((c) => c.react(emoji));
  }

  /** Host only: asks everyone else to mute their microphone (`calls-muted-by-host` at each). */
  muteAll(): void {
    this.#control((c) => c.muteAll());
  }

  /** Host only: no one new may join (hosts still can); `calls-locked-change`. */
  lock(): void {
    this.#control((c) => c.setRoomSettings({ locked: true }));
  }

  /** Host only: lets new participants join again. */
  unlock(): void {
    this.#control((c) => c.setRoomSettings({ locked: false }));
  }

  /** Host only: ends the meeting for everyone (`calls-left` with reason `ended`). */
  endMeeting(): void {
    this.#control((c) => c.endMeeting());
  }

  /** Host only: lets a participant waiting in the lobby in (the `id` of `calls-knock`). */
  admit(participantId: string): void {
    this.#control((c) => c.admit(participantId, true));
  }

  /** Host only: turns a waiting participant away (they get `calls-error` `lobby-denied`). */
  deny(participantId: string): void {
    this.#control((c) => c.admit(participantId, false));
  }

  /** Opens (from a user gesture) or closes picture-in-picture with the pinned tile or the active speaker. */
  togglePictureInPicture(): Promise<void> {
    return this.#pip.toggle();
  }

  #setLobby(on: boolean): void {
    this.#control((c) => c.setRoomSettings({ lobby: on }));
  }

  #control(action: (controls: Room['controls']) => void): void {
    try {
      this.#session.control(action);
    } catch (error) {
      if (error instanceof RoomError) this.#dispatchError(error);
      throw error;
    }
  }

  #dispatchError(error: RoomError): void {
    this.dispatchEvent(errorEvent(error, this.#strings()));
  }

  override render() {
    // While a join waits for the engine chunk, the view shows it joining (no Join button, no earlier error).
    const state: RoomState = this.#session.loading
      ? { ...this._state, status: 'joining', error: undefined }
      : this._state;
    return renderRoom({
      state,
      ui: this._ui,
      strings: this.#strings(),
      announcement: this._announcement,
      status: {
        dismissed: this._dismissed,
        notice: this._notice,
        dismiss: (error) => (this._dismissed = error),
      },
      showPrejoin: !this.#session.room && !this.#session.loading && this.prejoin,
      canRejoin: (state.status === 'left' || state.status === 'failed') && !!this.room,
      preview: this.#preview,
      waitingPreview: this.#waitingPreview,
      line: this.#line,
      recorder: this.#recorder,
      stage: this.#stage,
      actions: this.#actions,
      joinFromUi: () => {
        this.#focusAfterJoin = true;
        this.join().catch(() => undefined);
      },
      leave: () => this.leave(),
    });
  }
}

if (!customElements.get('calls-room')) customElements.define('calls-room', CallsRoom);

declare global {
  interface HTMLElementTagNameMap {
    'calls-room': CallsRoom;
  }
}
