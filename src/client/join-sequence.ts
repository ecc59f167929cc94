/**
 * The Room's join, step by step, with each step as early as what it needs allows: the token first (everything
 * else needs it); then the camera and microphone, the Calls session and presence at once; the session's
 * scope (and with it the pulls of everyone presence knows) as soon as both exist, while its transport is still
 * connecting; `joined` once the transport is up and everyone's chat is subscribed; our media published last.
 * Each step leaves a User Timing mark (`calls-room:*`, read by `bench:join`).
 */
import { roleOf } from './claims.ts';
import type { Backend } from './backend.ts';
import type { Connection } from './connection.ts';
import { toRoomError, tokenError } from './errors.ts';
import type { Notifier } from './notifier.ts';
import type { PresenceLink, PresenceLinkOptions } from './presence-link.ts';
import type { Publisher } from './publisher.ts';
import type { RoomSession } from './room-session.ts';
import type { RoomStatusState } from './room-status.ts';
import { RoomError, type RoomStatus } from './room-types.ts';

/** How long `joined` waits at most for everyone's chat channel to be subscribed. */
const CHAT_WAIT_MS = 5000;

export interface JoinHost {
  readonly st: RoomStatusState;
  readonly out: Notifier;
  readonly backend: Backend;
  readonly connection: Connection;
  readonly publisher: Publisher;
  readonly session: RoomSession;
  readonly presence: PresenceLink;
  presenceOptions(): PresenceLinkOptions;
  /** Transport up, chat subscribed: start the monitors and say so. */
  joined(): void;
  mark(name: string): void;
}

export async function joinSequence(h: JoinHost): Promise<void> {
  const { st, out, publisher } = h;
  st.status = 'joining';
  st.setConnection('connecting');
  out.changed();
  let token: string;
  try {
    h.mark('join');
    token = await h.backend.tokens.getToken();
    h.mark('token');
  } catch (error) {
    throw tokenError(error);
  }
  st.role = roleOf(token);
  const media =
    st.role !== 'viewer' ? publisher.acquireInitial().finally(() => h.mark('media')) : Promise.resolve([]);
  const mediaSettled = Promise.allSettled([media]).then(([r]) => r);
  // The session and presence in parallel; pulls start as soon as both exist, while the session's
  // transport is still connecting (they queue behind the data channels' exchange, which stays first).
  const [first, presence] = await Promise.allSettled([
    h.connection.open(),
    h.presence.connect(h.presenceOptions()).finally(() => h.mark('welcome')),
  ]);
  let opened = first;
  // The lobby held us: the proxy refused the session made meanwhile, and makes one now that we are in.
  if (st.waited && opened.status === 'rejected' && presence.status === 'fulfilled') {
    if ((st.status as RoomStatus) === 'waiting') st.status = 'joining';
    [opened] = await Promise.allSettled([h.connection.open()]);
  }
  if ((st.status as RoomStatus) === 'waiting') st.status = 'joining';
  if (opened.status === 'rejected' || presence.status === 'rejected') {
    if (opened.status === 'fulfilled') opened.value.session.closeSession();
    void mediaSettled.then((r) => {
      if (r.status === 'fulfilled') for (const t of r.value) t.stop();
    });
    throw presence.status === 'rejected' ? presence.reason : (opened as PromiseRejectedResult).reason;
  }
  const { session, ready } = opened.value;
  if (st.status !== 'joining') {
    session.closeSession();
    throw new RoomError('not-joined', 'left while joining', true);
  }
  const scope = h.session.open(session);
  st.status = 'joined';
  h.session.reconcile();
  await ready;
  // Joined means we hear everyone's chat: the pulls exist at the SFU, which holds messages until they open.
  await Promise.race([scope.chat.subscribed(), new Promise((r) => setTimeout(r, CHAT_WAIT_MS))]);
  h.joined();
  const mediaResult = await mediaSettled;
  const tracks = mediaResult.status === 'fulfilled' ? mediaResult.value : [];
  if (mediaResult.status === 'rejected') st.fail(toRoomError(mediaResult.reason, 'media-failed'));
  if (scope.live) await publisher.publish(scope, tracks);
  else for (const t of tracks) t.stop();
}
