/**
 * The Calls side of the room: ICE servers, creating a session whose data channels are established before
 * anything else, and replacing a lost session under a pluggable `ReconnectPolicy`. Also the one place the
 * room's overall connection state is derived.
 */
import type { CallsApi } from './calls-api.ts';
import { sessionCreateError, transportError } from './errors.ts';
import type { CallsSession } from './ports.ts';
import type { PresenceStatus } from './presence-client.ts';
import type { ReconnectPolicy } from './reconnect-policy.ts';
import { watchJoinPhases } from './join-timeline.ts';
import type { ConnectionState, RoomStatus } from './room-types.ts';
import type { SfuSessionOptions, SfuSessionState } from './sfu-session.ts';

export interface ConnectionOptions {
  api: CallsApi;
  /** The backend's `/ice-servers` (with the room token); none when it cannot say. */
  iceServers: () => Promise<RTCIceServer[]>;
  createSession: (api: CallsApi, options: SfuSessionOptions) => Promise<CallsSession>;
  policy: ReconnectPolicy;
  /** A session's transport failed for good. */
  onLost: (session: CallsSession) => void;
  /** A session's connection state changed. */
  onStateChange: (session: CallsSession) => void;
  mark?: (name: string) => void;
}

export interface OpenedSession {
  session: CallsSession;
  /** Resolves once the transport is connected (the data channels' exchange done). */
  ready: Promise<void>;
}

export class Connection {
  #iceServers: Promise<RTCIceServer[]> | undefined;

  constructor(private readonly o: ConnectionOptions) {}

  iceServers(): Promise<RTCIceServer[]> {
    this.#iceServers ??= this.o.iceServers().catch(() => []);
    return this.#iceServers;
  }

  /**
   * A new session whose data channels are established (the BUNDLE tag) before anything else. Returned as soon
   * as that exchange is queued, with `ready` for the connected transport.
   */
  async open(): Promise<OpenedSession> {
    const mark = this.o.mark ?? (() => undefined);
    let session: CallsSession;
    try {
      const iceServers = this.iceServers().finally(() => mark('ice-servers'));
      session = await this.o.createSession(this.o.api, { iceServers });
      mark('session');
    } catch (error) {
      throw sessionCreateError(error);
    }
    watchJoinPhases(session.peerConnection, mark);
    session.addEventListener('session-lost', () => this.o.onLost(session));
    session.addEventListener('state-change', () => this.o.onStateChange(session));
    // First, always: the data channel's m=application section becomes the BUNDLE tag, so later closes of
    // media m-lines never move the transport.
    const ready = session.establishDataChannels().then(
      () => mark('transport'),
      (error: unknown) => {
        const addresses = session.announcedAddresses;
        session.closeSession();
        throw transportError(error, addresses);
      },
    );
    // Whoever gives up on the join before awaiting it must not leave an unhandled rejection behind.
    ready.catch(() => undefined);
    return { session, ready };
  }

  /**
   * A connected replacement for a lost session, retried as the policy says. Resolves undefined when
   * `wanted()` turns false meanwhile (the room was left); rejects with the last error when the policy gives up.
   */
  async replace(wanted: () => boolean): Promise<CallsSession | undefined> {
    const started = Date.now();
    for (let retryCount = 0; wanted(); retryCount++) {
      try {
        const { session, ready } = await this.open();
        await ready;
        if (wanted()) return session;
        session.closeSession();
        return undefined;
      } catch (error) {
        const delay = this.o.policy.nextRetryDelayMs({ retryCount, elapsedMs: Date.now() - started, error });
        if (delay === null) throw error;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    return undefined;
  }
}

/** The room's overall connection from its status and its two links. */
export function connectionState(
  status: RoomStatus,
  replacing: boolean,
  presence: PresenceStatus | undefined,
  sfu: SfuSessionState | undefined,
): ConnectionState | undefined {
  if (status === 'left' || status === 'failed' || status === 'idle') return undefined;
  if (status === 'joining' || status === 'waiting') return 'connecting';
  const reconnecting = replacing || presence === 'reconnecting' || sfu === 'disconnected' || sfu === 'lost';
  // Connected means the media transport is (ICE+DTLS): joined with a transport still coming up is not.
  return reconnecting ? 'reconnecting' : sfu === 'connected' ? 'connected' : 'connecting';
}
