/**
 * A server's end of a WebSocket as the socket hosts see it (presence, a support line), runtime-neutral:
 * Node's `ws` and Workers' WebSocketPair both fit. Sends and closes never throw at the host: a socket that is
 * going away reports it through its close event.
 */
export interface HostSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet sent, where the runtime tells (Node's `ws`). */
  bufferedAmount?(): number;
}

export function safeSend(socket: HostSocket, text: string): void {
  try {
    socket.send(text);
  } catch {
    // The socket is going away; its close event cleans up.
  }
}

/** Closes with a reason cut to what a close frame holds. */
export function safeClose(socket: HostSocket, code: number, reason: string): void {
  try {
    socket.close(code, reason.slice(0, 120));
  } catch {
    // already closing
  }
}
