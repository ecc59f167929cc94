/**
 * Browser side: puts a token holder into a room's presence (the proxy lets only participants pull), for tests
 * that drive the Calls client directly rather than through the widget.
 */
import type { ServerMessage } from '../../src/protocol/presence.ts';
import { testEnv } from './env.ts';

/** Joins `room` with `token` and resolves with the open socket once welcomed; close it to leave. */
export async function joinPresence(room: string, token: string): Promise<WebSocket> {
  const { backendUrl } = await testEnv();
  const socket = new WebSocket(`${backendUrl.replace(/^http/, 'ws')}/api/rooms/${encodeURIComponent(room)}`);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'join', token })));
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as ServerMessage;
      if (message.type === 'welcome') resolve();
      else if (message.type === 'error') reject(new Error(`presence: ${message.code} ${message.message}`));
    });
    socket.addEventListener('close', (event) => reject(new Error(`presence closed (${event.code})`)));
  });
  return socket;
}
