/**
 * Whether one Calls session still works, by partytracks' rules (calls-api.md §9.6): ICE and the peer
 * connection's states, a `disconnected` that lasts, a 410 from the SFU for any request or for the probe
 * sent while disconnected. It owns the session's state; the session reports it as events.
 */
import { isSessionGone } from './calls-api.ts';
import { SfuSessionError, type DEFAULTS, type SfuSessionState } from './sfu-session-types.ts';

export interface SessionHealthHost {
  readonly pc: RTCPeerConnection;
  readonly options: typeof DEFAULTS;
  /** Asks the SFU about the session (it answers 410 once it has dropped it). */
  probe(signal: AbortSignal): Promise<unknown>;
  /** Lost, just before the state says so: the session closes its queue. */
  lost(reason: string): void;
  /** The state changed (to `lost` last of all when lost: `lostReason` says why). */
  stateChanged(state: SfuSessionState): void;
}

/** The addresses the SFU announced as ICE candidates in a description, in its order. */
export function candidateAddresses(sdp: string): string[] {
  const addresses = [...sdp.matchAll(/^a=candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ /gm)].map((m) => m[1]!);
  return [...new Set(addresses)];
}

export class SessionHealth {
  #state: SfuSessionState = 'new';
  #disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  #probe: AbortController | undefined;
  #connectedOnce = false;
  #lostReason = '';
  readonly #waiters = new Set<() => void>();

  constructor(private readonly host: SessionHealthHost) {
    host.pc.addEventListener('connectionstatechange', () => this.#onConnectionChange());
    host.pc.addEventListener('iceconnectionstatechange', () => this.#onConnectionChange());
  }

  get state(): SfuSessionState {
    return this.#state;
  }

  get lostReason(): string {
    return this.#lostReason;
  }

  /** Lost or closed: nothing can be done on this session any more. */
  get ended(): boolean {
    return this.#state === 'lost' || this.#state === 'closed';
  }

  /** A Calls request on this session. A 410 means the SFU no longer has it: lost now, not at the next ICE check. */
  watch<T>(request: Promise<T>): Promise<T> {
    return request.catch((error: unknown) => {
      if (isSessionGone(error)) this.lose(`the SFU dropped the session (${error.status} ${error.errorCode})`);
      throw error;
    });
  }

  lose(reason: string): void {
    if (this.ended) return;
    this.#lostReason = reason;
    this.#stopWatching();
    this.host.lost(reason);
    this.#setState('lost');
  }

  /** Closed by its owner. False when it already was. */
  close(): boolean {
    if (this.#state === 'closed') return false;
    this.#stopWatching();
    return true;
  }

  /** After `close()` and the session's own cleanup. */
  closed(): void {
    this.#setState('closed');
  }

  unusable(): SfuSessionError {
    return this.#state === 'closed'
      ? new SfuSessionError('session_closed', 'session closed')
      : new SfuSessionError('session_lost', 'session lost');
  }

  assertUsable(): void {
    if (this.ended) throw this.unusable();
  }

  /** The PeerConnection is connected and so is its SCTP transport: data channels can be allocated. */
  waitForTransport(): Promise<void> {
    const pc = this.host.pc;
    const ready = () =>
      pc.connectionState === 'connected' && (pc.sctp === null || pc.sctp.state === 'connected');
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) finish();
        else if (this.ended) finish(this.#iceFailedFirst() ? this.#unreachable() : this.unusable());
      };
      const timer = setTimeout(
        () =>
          finish(
            this.#connectedOnce
              ? new SfuSessionError('connect_timeout', 'transport not connected')
              : this.#unreachable(),
          ),
        this.host.options.connectTimeoutMs,
      );
      const sctp = pc.sctp;
      const finish = (error?: Error) => {
        clearTimeout(timer);
        pc.removeEventListener('connectionstatechange', check);
        sctp?.removeEventListener('statechange', check);
        this.#waiters.delete(check);
        if (error) reject(error);
        else resolve();
      };
      pc.addEventListener('connectionstatechange', check);
      sctp?.addEventListener('statechange', check);
      this.#waiters.add(check);
    });
  }

  /** The media transport never connected and ICE or DTLS gave up (not a 410 or a close). */
  #iceFailedFirst(): boolean {
    return (
      this.#state === 'lost' &&
      !this.#connectedOnce &&
      /^(connectionState|iceConnectionState) /.test(this.#lostReason)
    );
  }

  /** What `media-unreachable` reports: no ICE+DTLS connection to any address the SFU announced. */
  #unreachable(): SfuSessionError {
    const addresses = candidateAddresses(this.host.pc.remoteDescription?.sdp ?? '');
    const where = addresses.length
      ? `the SFU's addresses ${addresses.join(', ')}`
      : 'the SFU (no candidates)';
    return new SfuSessionError(
      'media_unreachable',
      `no media connection (ICE+DTLS) to ${where} within ${this.host.options.connectTimeoutMs} ms`,
    );
  }

  #onConnectionChange(): void {
    if (this.ended) return;
    const pc = this.host.pc;
    const ice = pc.iceConnectionState;
    if (pc.connectionState === 'connected') this.#connectedOnce = true;
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
      this.lose(`connectionState ${pc.connectionState}`);
      return;
    }
    if (ice === 'failed' || ice === 'closed') {
      this.lose(`iceConnectionState ${ice}`);
      return;
    }
    if (ice === 'disconnected') {
      this.#disconnectedTimer ??= setTimeout(
        () => this.lose(`ICE disconnected for ${this.host.options.disconnectedTimeoutMs} ms`),
        this.host.options.disconnectedTimeoutMs,
      );
      if (!this.#probe) {
        this.#probe = new AbortController();
        void this.#probeWhileDisconnected(this.#probe.signal);
      }
    } else {
      this.#stopWatching();
    }
    this.#setState(pc.connectionState);
  }

  /**
   * ICE cannot tell a network blip from an SFU that dropped the session (a restart, a crash): both look
   * `disconnected`, and Chrome stays there rather than failing. The SFU can: a session it no longer has
   * answers 410, and then waiting out the disconnected timer only delays the new session.
   */
  async #probeWhileDisconnected(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.watch(this.host.probe(signal));
      } catch (error) {
        // Anything but 410 (backend unreachable, 5xx) says nothing about the session: the timer decides.
        if (signal.aborted || isSessionGone(error)) return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.host.options.probeIntervalMs);
        signal.addEventListener('abort', done, { once: true });
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
      });
    }
  }

  #stopWatching(): void {
    clearTimeout(this.#disconnectedTimer);
    this.#disconnectedTimer = undefined;
    this.#probe?.abort();
    this.#probe = undefined;
  }

  #setState(state: SfuSessionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.host.stateChanged(state);
    for (const waiter of [...this.#waiters]) waiter();
  }
}
