/**
 * Code that runs in the bench's Chromium pages (handed to `page.evaluate`, so each function is self-contained):
 * the publisher's offer, subscribers answering an SFU's offer, and what the pages measure (decoded frames,
 * RTP packets received, loss repair, the longest gap between presented frames).
 */

export interface SubscriberStats {
  framesDecoded: number;
  /** RTP packets received on the video and audio streams (not counting retransmissions where Chrome splits them). */
  packetsReceived: number;
  packetsLost: number;
  nackCount: number;
  freezeCount: number;
  totalFreezesDurationS: number;
  retransmittedPacketsReceived: number | undefined;
  /** Longest time between two presented frames (or a window edge) since the last `pageResetGaps`, ms. */
  maxGapMs: number;
}

interface PageSub {
  pc: RTCPeerConnection;
  video: HTMLVideoElement;
  firstFrame: Promise<number>;
  /** Longest gap between presented frames since `windowStart` (the window's start counts as a frame). */
  maxGapMs: number;
  windowStart: number;
  lastFrame: number | undefined;
}

/** The publisher: a 640x360 camera at 30 fps as VP8 up to 1.5 Mbps, plus the microphone; returns its offer. */
export async function pageOffer({ wantCandidates }: { wantCandidates: boolean }) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 640, height: 360, frameRate: 30 },
    audio: true,
  });
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  const v = pc.addTransceiver(stream.getVideoTracks()[0]!, {
    direction: 'sendonly',
    sendEncodings: [{ maxBitrate: 1_500_000 }],
  });
  const codecs = RTCRtpSender.getCapabilities('video')!.codecs;
  v.setCodecPreferences([
    ...codecs.filter((c) => c.mimeType === 'video/VP8'),
    ...codecs.filter((c) => c.mimeType !== 'video/VP8'),
  ]);
  const a = pc.addTransceiver(stream.getAudioTracks()[0]!, { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  if (wantCandidates)
    await new Promise<void>((resolve) => {
      const check = () => pc.iceGatheringState === 'complete' && resolve();
      pc.addEventListener('icegatheringstatechange', check);
      check();
    });
  (window as unknown as { pub: RTCPeerConnection }).pub = pc;
  return { sdp: pc.localDescription!.sdp, videoMid: v.mid!, audioMid: a.mid! };
}

export async function pagePublisherAnswer(sdp: string): Promise<void> {
  await (window as unknown as { pub: RTCPeerConnection }).pub.setRemoteDescription({ type: 'answer', sdp });
}

/** Video kbps the publisher sent over the last second. */
export async function pagePublisherKbps(): Promise<number> {
  const pc = (window as unknown as { pub: RTCPeerConnection }).pub;
  const bytes = async () => {
    let n = 0;
    (await pc.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') n += Number(s.bytesSent ?? 0);
    });
    return n;
  };
  const b0 = await bytes();
  await new Promise((r) => setTimeout(r, 1000));
  return (((await bytes()) - b0) * 8) / 1000;
}

/** A subscriber answering the SFU's offer; returns its index in the page and its answer. */
export async function pageSubscribe({ offer, wantCandidates }: { offer: string; wantCandidates: boolean }) {
  const w = window as unknown as { subs?: PageSub[] };
  const subs = (w.subs ??= []);
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.width = 160;
  document.body.append(video);
  let resolveFirst: (t: number) => void = () => undefined;
  const sub: PageSub = {
    pc,
    video,
    firstFrame: new Promise<number>((r) => (resolveFirst = r)),
    maxGapMs: 0,
    windowStart: 0,
    lastFrame: undefined,
  };
  const onFrame = () => {
    const now = performance.now();
    if (sub.lastFrame === undefined) resolveFirst(performance.timeOrigin + now);
    else sub.maxGapMs = Math.max(sub.maxGapMs, now - Math.max(sub.lastFrame, sub.windowStart));
    sub.lastFrame = now;
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  pc.addEventListener('track', (e) => {
    if (e.track.kind === 'video') video.srcObject = new MediaStream([e.track]);
  });
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  if (wantCandidates)
    await new Promise<void>((resolve) => {
      const check = () => pc.iceGatheringState === 'complete' && resolve();
      pc.addEventListener('icegatheringstatechange', check);
      check();
    });
  subs.push(sub);
  return { index: subs.length - 1, answer: pc.localDescription!.sdp };
}

/** When subscriber `index` presented its first frame (epoch ms, from the page's clock). */
export async function pageFirstFrame(index: number): Promise<number> {
  return (window as unknown as { subs: PageSub[] }).subs[index]!.firstFrame;
}

/** Starts a measuring window for the longest gap between presented frames. */
export function pageResetGaps(): void {
  const now = performance.now();
  for (const s of (window as unknown as { subs: PageSub[] }).subs) {
    s.maxGapMs = 0;
    s.windowStart = now;
  }
}

export async function pageSubscriberStats(): Promise<SubscriberStats[]> {
  const subs = (window as unknown as { subs: PageSub[] }).subs;
  const now = performance.now();
  return Promise.all(
    subs.map(async (sub) => {
      // A picture still frozen when the window ends counts up to now.
      const since = Math.max(sub.lastFrame ?? sub.windowStart, sub.windowStart);
      const out: SubscriberStats = {
        framesDecoded: 0,
        packetsReceived: 0,
        packetsLost: 0,
        nackCount: 0,
        freezeCount: 0,
        totalFreezesDurationS: 0,
        retransmittedPacketsReceived: undefined,
        maxGapMs: Math.max(sub.maxGapMs, now - since),
      };
      (await sub.pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type !== 'inbound-rtp') return;
        out.packetsReceived += Number(s.packetsReceived ?? 0);
        if (s.kind !== 'video') return;
        out.framesDecoded += Number(s.framesDecoded ?? 0);
        out.packetsLost += Number(s.packetsLost ?? 0);
        out.nackCount += Number(s.nackCount ?? 0);
        out.freezeCount += Number(s.freezeCount ?? 0);
        out.totalFreezesDurationS += Number(s.totalFreezesDuration ?? 0);
        if (s.retransmittedPacketsReceived !== undefined)
          out.retransmittedPacketsReceived = Number(s.retransmittedPacketsReceived);
      });
      return out;
    }),
  );
}

export function pageCloseSubscribers(): void {
  const w = window as unknown as { subs?: PageSub[] };
  for (const s of w.subs ?? []) {
    s.pc.close();
    s.video.remove();
  }
  w.subs = [];
}
