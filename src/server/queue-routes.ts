/**
 * The support line's HTTP surface: `GET /api/queues/{queue}` upgrades to the line's WebSocket (customers and
 * agents alike; the first message says which). Where lines live comes in through `QueuesBackend`: this
 * process on Node, one Durable Object per queue on Workers.
 */
import type { Context, Env, Hono } from 'hono';
import { ROOM_NAME_PATTERN } from '../protocol/token.ts';
import { callsError, originAllowed } from './app.ts';
import type { Settings } from './settings.ts';

export interface QueuesBackend {
  /** Accepts the line's WebSocket for `queue` (checked: a room name). */
  connect(queue: string, c: Context): Promise<Response>;
}

export function mountQueueRoutes<E extends Env>(
  app: Hono<E>,
  settings: Settings,
  queues: QueuesBackend | undefined,
): void {
  app.get('/api/queues/:queue', async (c) => {
    const queue = c.req.param('queue');
    if (!ROOM_NAME_PATTERN.test(queue)) return callsError(c, 404, 'not_found', 'no such queue');
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      return callsError(
        c,
        426,
        'invalid_params',
        'a support line is a WebSocket: connect with Upgrade: websocket',
      );
    }
    if (!originAllowed(c.req.header('origin'), settings.allowedOrigins, new URL(c.req.url).origin)) {
      return callsError(c, 403, 'forbidden', 'origin not allowed');
    }
    if (!queues) return callsError(c, 404, 'not_found', 'support lines are not available on this backend');
    return queues.connect(queue, c);
  });
}
