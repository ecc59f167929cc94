/**
 * The SDP exchanges of one session's peer connection and what a publish waits for. Each leaves the
 * connection stable when it fails, so the next exchange on the session's queue can still run.
 */
import type { SessionDescription } from '../protocol/calls.ts';
import { SfuSessionError } from './sfu-session-types.ts';

/**
 * Our offer, sent by `send`, and the SFU's answer applied. A failed request rolls the offer back (and runs
 * `undo`); an answer the browser rejects also leaves the PC stable.
 */
export async function offerAndApply<R extends { sessionDescription?: SessionDescription }>(
  pc: RTCPeerConnection,
  label: string,
  send: (offer: SessionDescription) => Promise<R>,
  undo?: () => void,
): Promise<R> {
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  let response: R;
  try {
    response = await send({ type: 'offer', sdp: pc.localDescription?.sdp ?? offer.sdp ?? '' });
    if (response.sessionDescription?.type !== 'answer')
      throw new SfuSessionError('bad_response', `${label}: no answer`);
  } catch (error) {
    await pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
    undo?.();
    throw error;
  }
  try {
    await pc.setRemoteDescription(response.sessionDescription);
  } catch (error) {
    if (pc.signalingState === 'have-local-offer') {
      await pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
    }
    throw error;
  }
  return response;
}

/** The SFU's offer applied and answered: the answer's SDP, for `/renegotiate`. */
export async function answerOffer(pc: RTCPeerConnection, offer: SessionDescription): Promise<string> {
  try {
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
  } catch (error) {
    // Back to stable, so that the next exchange on this session can still run.
    if (pc.signalingState === 'have-remote-offer') {
      await pc.setRemoteDescription({ type: 'rollback' }).catch(() => undefined);
    }
    throw error;
  }
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new SfuSessionError('bad_response', 'no local answer');
  return sdp;
}

/**
 * Resolves once the sender has sent bytes, so that nobody a publication is announced to pulls one the SFU
 * has no packets for yet (`not_found_track_error`; partytracks #237). `assertUsable` throws once the
 * session is gone.
 */
export async function waitForBytesSent(
  sender: RTCRtpSender,
  timeoutMs: number,
  assertUsable: () => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    assertUsable();
    const stats = await sender.getStats();
    let sent = false;
    stats.forEach((report: { type: string; bytesSent?: number }) => {
      if (report.type === 'outbound-rtp' && (report.bytesSent ?? 0) > 0) sent = true;
    });
    if (sent) return;
    if (Date.now() > deadline) {
      throw new SfuSessionError('publish_timeout', `no bytes sent within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 1.5, 100);
  }
}
