/** Browser-test helpers for the client core: a CallsApi on the run's embedded SFU, and stats polling. */
import { CallsApi } from '../../src/client/calls-api.ts';
import { sfuEndpoint } from '../helpers/env.ts';
import { waitFor as poll } from '../helpers/wait.ts';

export interface RecordedRequest {
  method: string;
  /** The path below the app base, e.g. `sessions/abc/tracks/new`. */
  path: string;
  body: unknown;
}

/**
 * Our client's CallsApi straight on the SFU (secret as bearer, like Cloudflare's echo samples) that records
 * each request. The raw protocol, without our client, is test/sfu/harness.ts's `sfuApi`.
 */
export async function callsApiOnSfu(): Promise<{ api: CallsApi; requests: RecordedRequest[] }> {
  const { base: baseUrl, secret } = await sfuEndpoint();
  const requests: RecordedRequest[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    requests.push({ method: init?.method ?? 'GET', path: url.slice(baseUrl.length + 1), body });
    return fetch(input, init);
  };
  return {
    api: new CallsApi({ baseUrl, authorization: () => secret, fetch: recordingFetch }),
    requests,
  };
}

/** Polls `condition` until it holds (helpers/wait.ts); fails with `message` and the last observed value. */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  condition: (value: T) => boolean,
  message: string,
  timeoutMs = 15_000,
): Promise<T> {
  let last: T | undefined;
  const held = await poll(
    async () => {
      last = await probe();
      return condition(last) && { value: last };
    },
    message,
    { timeoutMs, lastSeen: () => last },
  );
  return held.value;
}

export interface InboundStats {
  packetsReceived: number;
  bytesReceived: number;
  framesDecoded: number;
  totalSamplesReceived: number;
  frameWidth: number;
}

/** The `inbound-rtp` counters of the transceiver with `mid` on `pc`. */
export async function inbound(pc: RTCPeerConnection, mid: string): Promise<InboundStats> {
  const transceiver = pc.getTransceivers().find((t) => t.mid === mid);
  const out: InboundStats = {
    packetsReceived: 0,
    bytesReceived: 0,
    framesDecoded: 0,
    totalSamplesReceived: 0,
    frameWidth: 0,
  };
  if (!transceiver) return out;
  const stats = await transceiver.receiver.getStats();
  stats.forEach((report: { type: string } & Partial<InboundStats>) => {
    if (report.type !== 'inbound-rtp') return;
    out.packetsReceived += report.packetsReceived ?? 0;
    out.bytesReceived += report.bytesReceived ?? 0;
    out.framesDecoded += report.framesDecoded ?? 0;
    out.totalSamplesReceived += report.totalSamplesReceived ?? 0;
    out.frameWidth = Math.max(out.frameWidth, report.frameWidth ?? 0);
    out.frameWidth = Math.max(out.frameWidth, report.frameWidth ?? 0);
  });
  return out;
}

/** Waits until video on `mid` decodes more than `after` frames in total. */
export function framesDecodedAbove(pc: RTCPeerConnection, mid: string, after: number): Promise<InboundStats> {
  return waitFor(
    () => inbound(pc, mid),
    (s) => s.framesDecoded > after,
    `video on mid ${mid} decoded no more than ${after} frames`,
  );
}

const players: HTMLAudioElement[] = [];

/**
 * Waits until audio on `mid` has arrived and been decoded into samples. Chrome decodes remote audio only
 * while something plays it out, so `track` is played (muted output is not enough) until `stopPlayers()`.
 */
export async function audioReceived(
  pc: RTCPeerConnection,
  mid: string,
  track: MediaStreamTrack,
): Promise<InboundStats> {
  const player = document.createElement('audio');
  player.autoplay = true;
  player.srcObject = new MediaStream([track]);
  document.body.append(player);
  players.push(player);
  await player.play();
  return waitFor(
    () => inbound(pc, mid),
    (s) => s.packetsReceived > 0 && s.totalSamplesReceived > 0,
    `no audio received on mid ${mid}`,
  );
}

export function stopPlayers(): void {
  for (const player of players.splice(0)) {
    player.srcObject = null;
    player.remove();
  }
}

/** Waits until `mid` receives nothing new for `quietMs`: forwarding has stopped. */
export async function receptionStops(pc: RTCPeerConnection, mid: string, quietMs = 1000): Promise<void> {
  let last = -1;
  let since = Date.now();
  await waitFor(
    async () => {
      const { packetsReceived } = await inbound(pc, mid);
      if (packetsReceived !== last) {
        last = packetsReceived;
        since = Date.now();
      }
      return Date.now() - since;
    },
    (quietFor) => quietFor >= quietMs,
    `packets kept arriving on mid ${mid}`,
  );
}

export async function camera(width: number, height: number): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width, height } });
  const [video] = stream.getVideoTracks();
  if (!video) throw new Error('the fake camera gave no track');
  return video;
}

export async function cameraAndMic(): Promise<{ video: MediaStreamTrack; audio: MediaStreamTrack }> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 320, height: 240 },
    audio: true,
  });
  const [video] = stream.getVideoTracks();
  const [audio] = stream.getAudioTracks();
  if (!video || !audio) throw new Error('the fake devices gave no camera or no microphone');
  return { video, audio };
}
