/**
 * Raw Calls API driving for the SFU's own browser tests: the exact request sequences of calls-api.md §9,
 * with nothing of our client library in between, so a failure points at the SFU.
 */
import type { TrackObject, TracksResponse } from '../../src/protocol/calls.ts';
import { sfuEndpoint } from '../helpers/env.ts';
import { until as untilHolds } from '../helpers/wait.ts';

export interface Api {
  (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  base: string;
}

export async function sfuApi(): Promise<Api> {
  const { base, secret } = await sfuEndpoint();
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${secret}` },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  return Object.assign(call, { base });
}

export class Peer {
  readonly pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  sessionId = '';
  constructor(readonly api: Api) {}

  static async create(api: Api): Promise<Peer> {
    const p = new Peer(api);
    const res = await api('POST', '/sessions/new');
    if (res.status !== 201) throw new Error(`sessions/new: ${res.status} ${JSON.stringify(res.json)}`);
    p.sessionId = res.json.sessionId as string;
    return p;
  }

  /** Publishes tracks with a client offer (mode A); resolves once each has sent bytes. */
  async publish(
    tracks: { track: MediaStreamTrack; name: string; sendEncodings?: RTCRtpEncodingParameters[] }[],
  ) {
    const transceivers = tracks.map((t) =>
      this.pc.addTransceiver(t.track, {
        direction: 'sendonly',
        ...(t.sendEncodings ? { sendEncodings: t.sendEncodings } : {}),
      }),
    );
    await this.pc.setLocalDescription(await this.pc.createOffer());
    const res = await this.api('POST', `/sessions/${this.sessionId}/tracks/new`, {
      sessionDescription: { type: 'offer', sdp: this.pc.localDescription!.sdp },
      tracks: tracks.map((t, i) => ({ location: 'local', mid: transceivers[i]!.mid, trackName: t.name })),
    });
    if (res.status !== 200) throw new Error(`publish: ${res.status} ${JSON.stringify(res.json)}`);
    const body = res.json as TracksResponse;
    await this.pc.setRemoteDescription(body.sessionDescription!);
    await until(async () => {
      for (const t of transceivers) if ((await bytesSent(t.sender)) === 0) return false;
      return true;
    }, 'published tracks send bytes');
    return { transceivers, response: body };
  }

  /** Pulls remote tracks (mode B) and resolves with the received tracks by mid. */
  async pull(
    tracks: TrackObject[],
  ): Promise<{ response: TracksResponse; tracks: Map<string, MediaStreamTrack> }> {
    const res = await this.api('POST', `/sessions/${this.sessionId}/tracks/new`, { tracks });
    if (res.status !== 200) throw new Error(`pull: ${res.status} ${JSON.stringify(res.json)}`);
    const body = res.json as TracksResponse;
    const received = new Map<string, MediaStreamTrack>();
    if (body.requiresImmediateRenegotiation) {
      const onTrack = (e: RTCTrackEvent) => {
        if (e.transceiver.mid) received.set(e.transceiver.mid, e.track);
      };
      this.pc.addEventListener('track', onTrack);
      await this.pc.setRemoteDescription(body.sessionDescription!);
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      const r = await this.api('PUT', `/sessions/${this.sessionId}/renegotiate`, {
        sessionDescription: { type: 'answer', sdp: this.pc.localDescription!.sdp },
      });
      this.pc.removeEventListener('track', onTrack);
      if (r.status !== 200) throw new Error(`renegotiate: ${r.status} ${JSON.stringify(r.json)}`);
    }
    return { response: body, tracks: received };
  }

  async connected(): Promise<void> {
    await until(() => this.pc.connectionState === 'connected', 'peer connection connected');
  }

  close(): void {
    this.pc.close();
  }
}

export async function bytesSent(sender: RTCRtpSender): Promise<number> {
  let n = 0;
  (await sender.getStats()).forEach((s: { type: string; bytesSent?: number }) => {
    if (s.type === 'outbound-rtp') n += s.bytesSent ?? 0;
  });
  return n;
}

export interface InboundStats {
  framesDecoded: number;
  frameWidth: number;
  packetsReceived: number;
  totalSamplesReceived: number;
  bytesReceived: number;
}

export async function inbound(pc: RTCPeerConnection, track: MediaStreamTrack): Promise<InboundStats> {
  const out: InboundStats = {
    framesDecoded: 0,
    frameWidth: 0,
    packetsReceived: 0,
    totalSamplesReceived: 0,
    bytesReceived: 0,
  };
  (await pc.getStats(track)).forEach((s: Record<string, unknown>) => {
    if (s.type !== 'inbound-rtp') return;
    out.framesDecoded += Number(s.framesDecoded ?? 0);
    out.frameWidth = Math.max(out.frameWidth, Number(s.frameWidth ?? 0));
    out.packetsReceived += Number(s.packetsReceived ?? 0);
    out.totalSamplesReceived += Number(s.totalSamplesReceived ?? 0);
    out.bytesReceived += Number(s.bytesReceived ?? 0);
  });
  return out;
}

/** Polls a condition until it holds (the suites' one poll, test/helpers/wait.ts), failing after 20 s. */
export function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  return untilHolds(cond, what, timeoutMs);
}

export async function camera(options: MediaTrackConstraints = {}): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 640, height: 360, ...options },
  });
  return stream.getVideoTracks()[0]!;
}

export async function microphone(): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  return stream.getAudioTracks()[0]!;
}
