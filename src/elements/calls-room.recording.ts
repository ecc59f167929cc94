/**
 * Recording in `<calls-room>`: the indicator everyone sees while the room records (from presence, so late
 * joiners see it too), the hosts' Record control, `startRecording()`/`stopRecording()`, the
 * `calls-recording-change` event, the live region's announcements and the `:state(recording)` custom state.
 * The recorder itself (`RecordingSession`) is loaded and run only in the browser of the host who records.
 */
import {
  html,
  nothing,
  type ReactiveController,
  type ReactiveControllerHost,
  type TemplateResult,
} from 'lit';
import { RECORDING_LIMITS, type ActiveRecording, type RecordingInfo } from '../protocol/recording.ts';
import { loadRecorder } from '../client/recording-loader.ts';
import type { RecorderSource, RecordingSession } from '../client/recorder/recorder.ts';
import type { Room } from '../client/room.ts';
import { RoomError, type RoomState } from '../client/room-types.ts';
import { CallsRecordingChangeEvent } from './events.ts';
import type { CallsStrings } from './strings.ts';

export interface RecordingHost extends ReactiveControllerHost, HTMLElement {
  readonly model: Room | undefined;
  readonly state: RoomState;
}

export interface RecordingDeps {
  strings: () => CallsStrings;
  announce: (text: string) => void;
  /** Reports a refusal or failure as `calls-error`. */
  error: (error: RoomError) => void;
}

export class RoomRecorder implements ReactiveController {
  #active: ActiveRecording | null = null;
  #session: RecordingSession<RecordingInfo> | undefined;
  #busy = false;
  readonly #internals: ElementInternals | undefined;

  constructor(
    private readonly host: RecordingHost,
    private readonly deps: RecordingDeps,
  ) {
    host.addController(this);
    try {
      this.#internals = host.attachInternals();
    } catch {
      // Internals taken already: no custom state, the rest works.
    }
  }

  /** The room's running recording (shown to everyone), or null. */
  get active(): ActiveRecording | null {
    return this.#active;
  }

  /** Uploaded so far by this page's recorder (benchmarks and tests). */
  get uploaded(): { chunks: number; bytes: number } | undefined {
    return this.#session?.uploaded;
  }

  hostDisconnected(): void {
    // Leaving ends this page's recording properly; a page that just dies leaves the backend's timeout to it.
    if (this.#session) void this.stop().catch(() => undefined);
  }

  /** Presence said a recording started or ended. */
  changed(recording: ActiveRecording | null, previous: ActiveRecording | null): void {
    this.#active = recording;
    const strings = this.deps.strings().recording;
    if (previous) {
      this.#emit('stopped', previous);
      if (!recording) this.deps.announce(strings.stopped);
      if (this.#session?.info.id === previous.id) {
        // Ended by another host: stop recording here too.
        const session = this.#session;
        this.#session = undefined;
        void session.ended();
      }
    }
    if (recording) {
      this.#emit('started', recording);
      this.deps.announce(strings.started(recording.startedBy.name));
    }
    this.#setState();
    this.host.requestUpdate();
  }

  /** The room left: nothing is shown any more, and a recording made here is ended properly. */
  reset(): void {
    this.#active = null;
    this.#setState();
    const session = this.#session;
    this.#session = undefined;
    void session?.stop().catch(() => undefined);
  }

  async start(): Promise<void> {
    const room = this.#check();
    if (this.#active || this.#session) {
      throw this.#refuse(new RoomError('recording-in-progress', 'the room is being recorded already'));
    }
    this.#busy = true;
    this.host.requestUpdate();
    try {
      const { RecordingSession, RecordingApi } = await loadRecorder();
      this.#session = await RecordingSession.start({
        api: new RecordingApi(room.recordingAccess()),
        source: this.#source(),
        limits: {
          width: RECORDING_LIMITS.width,
          height: RECORDING_LIMITS.height,
          frameRate: RECORDING_LIMITS.frameRate,
          timesliceMs: RECORDING_LIMITS.chunkIntervalMs,
        },
        failed: (error) => this.#failed(error),
      });
    } catch (error) {
      throw this.#refuse(toRecordingError(error));
    } finally {
      this.#busy = false;
      this.host.requestUpdate();
    }
  }

  async stop(): Promise<void> {
    const room = this.#check();
    const session = this.#session;
    const active = this.#active;
    if (!session && !active) return;
    this.#busy = true;
    this.host.requestUpdate();
    try {
      this.#session = undefined;
      // Any host may stop the room's recording; the one recording here hands over its last chunk first.
      if (session) await session.stop();
      else if (active) await new (await loadRecorder()).RecordingApi(room.recordingAccess()).stop(active.id);
    } catch (error) {
      const e = toRecordingError(error);
      // Ended already (finalized after a timeout, or by another host): nothing to report.
      if ((error as { code?: string }).code !== 'recording_not_active') throw this.#refuse(e);
    } finally {
      this.#busy = false;
      this.host.requestUpdate();
    }
  }

  render(strings: CallsStrings): TemplateResult | typeof nothing {
    const state = this.host.state;
    const active = this.#active;
    const isHost = state.status === 'joined' && state.role === 'host';
    if (!active && !isHost) return nothing;
    const s = strings.recording;
    const recording = !!active || !!this.#session;
    return html`<div class="recording-bar">
      ${
        active
          ? html`<span part="recording" class="recording" title=${s.startedBy(active.startedBy.name)}>
              <span class="recording-dot" aria-hidden="true"></span>
              <span aria-hidden="true">${s.indicator}</span>
              <span class="visually-hidden">${s.startedBy(active.startedBy.name)}</span>
            </span>`
          : nothing
      }
      ${
        isHost
          ? html`<button
              part="record-button"
              aria-pressed=${recording ? 'true' : 'false'}
              ?disabled=${this.#busy}
              @click=${() => void (recording ? this.stop() : this.start()).catch(() => undefined)}
            >
              ${recording ? s.stop : s.record}
            </button>`
          : nothing
      }
    </div>`;
  }

  #check(): Room {
    const room = this.host.model;
    const state = this.host.state;
    if (!room || state.status !== 'joined')
      throw this.#refuse(new RoomError('not-joined', 'join the room first'));
    if (state.role !== 'host') {
      throw this.#refuse(new RoomError('recording-forbidden', 'only hosts may record'));
    }
    return room;
  }

  #refuse(error: RoomError): RoomError {
    this.deps.error(error);
    return error;
  }

  #failed(error: Error): void {
    const session = this.#session;
    this.#session = undefined;
    this.deps.error(toRecordingError(error));
    this.deps.announce(this.deps.strings().recording.failed);
    if (session) {
      const { id, startedBy, startedAt } = session.info;
      this.#emit('failed', { id, startedBy, startedAt });
    }
    this.host.requestUpdate();
  }

  #emit(action: 'started' | 'stopped' | 'failed', r: ActiveRecording): void {
    this.host.dispatchEvent(
      new CallsRecordingChangeEvent({ action, recordingId: r.id, startedBy: { ...r.startedBy } }),
    );
  }

  #setState(): void {
    const states = this.#internals?.states;
    if (!states) return;
    if (this.#active) states.add('recording');
    else states.delete('recording');
  }

  /** The room as the recorder sees it, read fresh for every frame. */
  #source(): RecorderSource {
    const strings = this.deps.strings();
    return {
      tiles: () => {
        const { tiles, participants } = this.host.state;
        return tiles.flatMap((t) => {
          const p = participants.find((x) => x.id === t.participantId);
          if (!p) return [];
          const screen = t.source === 'screen';
          return [
            {
              key: t.key,
              name: screen ? strings.screenOf(p.name) : p.name,
              screen,
              track: screen ? p.screen : p.state.cameraOff ? undefined : p.camera,
            },
          ];
        });
      },
      audio: () => this.host.state.participants.flatMap((p) => (p.microphone ? [p.microphone] : [])),
    };
  }
}

/** The backend's refusals (`RecordingApiError.code`) as the room's stable error codes. */
function toRecordingError(error: unknown): RoomError {
  if (error instanceof RoomError) return error;
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return new RoomError(
    code === 'forbidden'
      ? 'recording-forbidden'
      : code === 'recording_in_progress'
        ? 'recording-in-progress'
        : 'recording-failed',
    message,
    false,
    error,
  );
}
