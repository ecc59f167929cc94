/**
 * Picture-in-picture for `<calls-room>`: the pinned tile's video, else the active speaker's, in a Document
 * Picture-in-Picture window where the browser has one, else in the video picture-in-picture window. The
 * window shows a muted copy of the track (its audio keeps playing in the room) and follows the speaker.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { RoomState } from '../client/room.ts';

type Mode = 'document' | 'video';

interface DocumentPip {
  requestWindow(options: { width: number; height: number }): Promise<Window>;
}

export class PictureInPicture implements ReactiveController {
  #mode: Mode | undefined;
  #video: HTMLVideoElement | undefined;
  #window: Window | undefined;

  /** `track`: what to show now; `changed`: the window opened or closed. */
  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly track: () => MediaStreamTrack | undefined,
    private readonly changed: (active: boolean, mode: Mode | undefined) => void,
  ) {
    host.addController(this);
  }

  get active(): boolean {
    return this.#mode !== undefined;
  }

  /** Opens (needs a user gesture) or closes the window; rejects when the browser refuses it. */
  async toggle(): Promise<void> {
    if (this.#mode) return this.close();
    const video = document.createElement('video');
    video.muted = video.autoplay = video.playsInline = true;
    video.style.cssText = 'width:100%;height:100%;object-fit:cover;background:#000';
    this.#video = video;
    this.hostUpdated();
    const pip = (globalThis as { documentPictureInPicture?: DocumentPip }).documentPictureInPicture;
    if (pip) {
      const win = await pip.requestWindow({ width: 480, height: 270 });
      win.document.body.style.margin = '0';
      win.document.body.append(video);
      win.addEventListener('pagehide', () => this.#closed(), { once: true });
      this.#window = win;
      this.#opened('document');
    } else {
      await video.play().catch(() => undefined);
      video.addEventListener('leavepictureinpicture', () => this.#closed(), { once: true });
      await video.requestPictureInPicture();
      this.#opened('video');
    }
  }

  close(): void {
    if (this.#mode === 'document') this.#window?.close();
    else if (this.#mode === 'video' && document.pictureInPictureElement === this.#video)
      void document.exitPictureInPicture().catch(() => undefined);
    this.#closed();
  }

  /** Follows the speaker (or the pinned tile). */
  hostUpdated(): void {
    const video = this.#video;
    if (!video) return;
    const track = this.track();
    const current = (video.srcObject as MediaStream | null)?.getTracks()[0];
    if (current !== track) video.srcObject = track ? new MediaStream([track]) : null;
  }

  hostDisconnected(): void {
    this.close();
  }

  #opened(mode: Mode): void {
    this.#mode = mode;
    this.changed(true, mode);
    this.host.requestUpdate();
  }

  #closed(): void {
    const was = this.#mode;
    this.#mode = undefined;
    this.#video = undefined;
    this.#window = undefined;
    if (was) {
      this.changed(false, undefined);
      this.host.requestUpdate();
    }
  }
}

/** What picture-in-picture shows: the pinned tile's video, else the active speaker's, else anyone's camera. */
export function pipTrack(state: RoomState, pinned: string | undefined): MediaStreamTrack | undefined {
  const [id, source] = (pinned ?? '').split(':');
  const by = (pid: string | undefined) => state.participants.find((p) => p.id === pid);
  const pin = by(id);
  if (pin) return source === 'screen' ? pin.screen : pin.camera;
  return (
    by(state.activeSpeakerId)?.camera ??
    state.participants.find((p) => !p.isLocal && p.camera)?.camera ??
    state.participants[0]?.camera
  );
}
