/**
 * The support line's waiting view, loaded only for a `<calls-room queue>`: the view, its ticket and its
 * socket are the chunk `calls-room-queue.js` beside calls-room.js (a room without `queue` never fetches it).
 * Until the chunk is there the element shows nothing of the line; a `stop()` before it arrives wins.
 */
import { nothing } from 'lit';
import type { QueueCallbacks, QueueHost, QueueWaiting } from './calls-room.queue.ts';
import { RoomError } from '../client/room-types.ts';
// The call engine (calls-room-engine.js) needs it too: here it stays in calls-room.js, which both chunks share.
import { TokenSource } from '../client/token-source.ts';
import type { CallsStrings } from './strings.ts';

export class LazyQueueWaiting {
  #view: QueueWaiting | undefined;
  /** Bumped by every start and stop: a load that finishes for an older one does not start. */
  #generation = 0;

  constructor(
    private readonly host: QueueHost,
    private readonly on: QueueCallbacks,
  ) {}

  get showing(): boolean {
    return this.#view?.showing ?? false;
  }

  start(): void {
    const generation = ++this.#generation;
    if (this.#view) return this.#view.start();
    import('./calls-room.queue.ts').then(
      ({ QueueWaiting }) => {
        this.#view ??= new QueueWaiting(this.host, this.on, TokenSource);
        if (generation === this.#generation && this.host.isConnected) this.#view.start();
      },
      (error: unknown) => {
        if (generation !== this.#generation) return;
        this.on.fail(
          new RoomError('queue-failed', `The support line could not load: ${String(error)}`, true, error),
        );
      },
    );
  }

  stop(): void {
    this.#generation++;
    this.#view?.stop();
  }

  render(strings: CallsStrings) {
    return this.#view ? this.#view.render(strings) : nothing;
  }
}
