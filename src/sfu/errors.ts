import type { CallsErrorCode } from '../protocol/calls.ts';

/** A request-level failure, answered as `{errorCode, errorDescription}` with its HTTP status. */
export class CallsError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 406 | 410 | 413 | 425 | 429 | 500 | 503,
    readonly code: CallsErrorCode,
    description: string,
  ) {
    super(description);
    this.name = 'CallsError';
  }

  toJSON(): { errorCode: CallsErrorCode; errorDescription: string } {
    return { errorCode: this.code, errorDescription: this.message };
  }
}

export const notConnected = () =>
  new CallsError(
    425,
    'session_error',
    'Session is not connected yet: finish the first negotiation and wait for ICE/DTLS',
  );
export const sessionGone = (id: string) =>
  new CallsError(410, 'session_error', `Session ${id} is unknown, expired or closed: create a new session`);
export const offerPending = () =>
  new CallsError(
    406,
    'invalid_params',
    'An SFU offer on this session is still unanswered: answer it with PUT /renegotiate before any other change',
  );
export const badParams = (description: string) => new CallsError(400, 'invalid_params', description);
export const badSdp = (description: string) =>
  new CallsError(400, 'invalid_session_description', description);

/** The one batch rule of every list endpoint: at most `max` items per call. */
export function checkBatch(count: number, max: number, noun: 'tracks' | 'data channels'): void {
  if (count <= max) return;
  throw badParams(
    noun === 'tracks'
      ? `Expecting at most ${max} tracks in the request`
      : `Expecting at most ${max} data channels`,
  );
}
