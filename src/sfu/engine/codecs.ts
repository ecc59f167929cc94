/**
 * What the SFU negotiates: its codecs and RTP header extensions, matching a publication's codec for a pull,
 * and the ids a new m-section's extensions get so they agree with the rest of its BUNDLE.
 */
import {
  RTCRtpCodecParameters,
  RTCRtpHeaderExtensionParameters,
  useAbsSendTime,
  useRepairedRtpStreamId,
  useSdesMid,
  useSdesRTPStreamId,
  useTransportWideCC,
} from 'werift';
import type { CodecInfo, MediaKind } from './media.ts';

export const TWCC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
export const SDES_MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';
export const ABS_SEND_TIME_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';

const VIDEO_FEEDBACK = [
  { type: 'nack' },
  { type: 'nack', parameter: 'pli' },
  { type: 'ccm', parameter: 'fir' },
  { type: 'goog-remb' },
  { type: 'transport-cc' },
];

/** A fresh list each call: werift keeps and mutates the objects it is given. */
export function codecs(): Record<MediaKind, RTCRtpCodecParameters[]> {
  return {
    audio: [
      new RTCRtpCodecParameters({
        mimeType: 'audio/opus',
        clockRate: 48000,
        channels: 2,
        payloadType: 111,
        parameters: 'minptime=10;useinbandfec=1',
        rtcpFeedback: [{ type: 'transport-cc' }],
      }),
    ],
    video: [
      new RTCRtpCodecParameters({
        mimeType: 'video/VP8',
        clockRate: 90000,
        payloadType: 96,
        rtcpFeedback: VIDEO_FEEDBACK,
      }),
      new RTCRtpCodecParameters({
        mimeType: 'video/VP9',
        clockRate: 90000,
        payloadType: 98,
        parameters: 'profile-id=0',
        rtcpFeedback: VIDEO_FEEDBACK,
      }),
      new RTCRtpCodecParameters({
        mimeType: 'video/H264',
        clockRate: 90000,
        payloadType: 102,
        parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
        rtcpFeedback: VIDEO_FEEDBACK,
      }),
      new RTCRtpCodecParameters({
        mimeType: 'video/H264',
        clockRate: 90000,
        payloadType: 104,
        parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
        rtcpFeedback: VIDEO_FEEDBACK,
      }),
      new RTCRtpCodecParameters({
        mimeType: 'video/AV1',
        clockRate: 90000,
        payloadType: 45,
        rtcpFeedback: VIDEO_FEEDBACK,
      }),
    ],
  };
}

export function headerExtensions(): Record<MediaKind, RTCRtpHeaderExtensionParameters[]> {
  return {
    audio: [useSdesMid(), useAbsSendTime(), useTransportWideCC()],
    video: [
      useSdesMid(),
      useSdesRTPStreamId(),
      useRepairedRtpStreamId(),
      useAbsSendTime(),
      useTransportWideCC(),
    ],
  };
}

/** The codecs an SFU-sending section for a publication in `codec` offers: that codec, else all of `kind`. */
export function codecsFor(kind: MediaKind, codec: CodecInfo | undefined): RTCRtpCodecParameters[] {
  const all = codecs()[kind];
  const wanted = codec ? all.filter((c) => sameCodec(c, codec)) : all;
  return wanted.length ? wanted : all;
}

/**
 * Header extensions for a new SFU-written m-section: every section of one BUNDLE must map an id to the same
 * URI, so ids in `used` (usually the browser's, from its first offer) are kept and new URIs get ids nobody
 * uses; werift's own ids would collide (Chrome: "codec collision for header extension").
 */
export function extensionsFor(
  kind: MediaKind,
  used: ReadonlyMap<string, number>,
): RTCRtpHeaderExtensionParameters[] {
  const ids = new Map(used);
  const taken = new Set(ids.values());
  let next = 1;
  return headerExtensions()[kind].map(({ uri }) => {
    let id = ids.get(uri);
    if (id === undefined) {
      while (taken.has(next)) next++;
      id = next;
      taken.add(id);
      ids.set(uri, id);
    }
    return new RTCRtpHeaderExtensionParameters({ id, uri });
  });
}

/**
 * The header-extension ids one peer connection has mapped, by URI, for its whole life: the first mapping of
 * a URI wins and an id once used is never given to another URI. A browser holds every mapping for the life
 * of the connection (Firefox refuses an offer that "attempted to remap RTP extension id 4"), even after the
 * section that introduced it is gone from the current descriptions.
 */
export class ExtensionIdHistory {
  private readonly ids = new Map<string, number>();

  /** What has been mapped so far, to pass to `extensionsFor`. */
  get used(): ReadonlyMap<string, number> {
    return this.ids;
  }

  remember(extensions: Iterable<{ uri: string; id: number }>): void {
    const taken = new Set(this.ids.values());
    for (const { uri, id } of extensions) {
      if (this.ids.has(uri) || taken.has(id)) continue;
      this.ids.set(uri, id);
      taken.add(id);
    }
  }
}

export function toCodecInfo(c: RTCRtpCodecParameters): CodecInfo {
  return {
    mimeType: c.mimeType,
    clockRate: c.clockRate,
    ...(c.channels !== undefined ? { channels: c.channels } : {}),
    ...(c.parameters !== undefined ? { parameters: c.parameters } : {}),
  };
}

/** Same codec for forwarding: same MIME type, and for H.264 the same profile. */
export function sameCodec(c: Pick<CodecInfo, 'mimeType' | 'parameters'>, info: CodecInfo): boolean {
  if (c.mimeType.toLowerCase() !== info.mimeType.toLowerCase()) return false;
  if (c.mimeType.toLowerCase() !== 'video/h264') return true;
  const profile = (p: string | undefined) =>
    /profile-level-id=([0-9a-f]{2})/i.exec(p ?? '')?.[1]?.toLowerCase();
  return profile(c.parameters) === profile(info.parameters);
}
