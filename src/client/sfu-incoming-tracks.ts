/**
 * The remote tracks a session waits for, by mid: a pull's track arrives in the peer connection's `track`
 * event while its SFU offer is applied, so the wait is registered before and times out on its own.
 */
import { SfuSessionError } from './sfu-session-types.ts';

/** The part of RTCPeerConnection this needs (a fake in node tests). */
export interface TrackSource {
  addEventListener(type: 'track', listener: (event: RTCTrackEvent) => void): void;
}

export class IncomingTracks {
  readonly #waiters = new Map<string, (track: MediaStreamTrack) => void>();

  constructor(
    pc: TrackSource,
    private readonly timeoutMs: number,
  ) {
    pc.addEventListener('track', (event) => {
      const mid = event.transceiver.mid;
      const waiter = mid === null ? undefined : this.#waiters.get(mid);
      if (mid !== null && waiter) {
        this.#waiters.delete(mid);
        waiter(event.track);
      }
    });
  }

  /** The track that arrives on `mid`; rejects with `track_timeout` if none does within the timeout. */
  wait(mid: string): Promise<MediaStreamTrack> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(mid);
        reject(new SfuSessionError('track_timeout', `no track for mid ${mid}`));
      }, this.timeoutMs);
      this.#waiters.set(mid, (track) => {
        clearTimeout(timer);
        resolve(track);
      });
    });
  }

  /** Stops waiting on `mid` (its offer failed); its promise then only settles by timing out. */
  forget(mid: string): void {
    this.#waiters.delete(mid);
  }
}
