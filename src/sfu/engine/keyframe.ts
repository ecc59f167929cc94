/** Whether an RTP payload starts a keyframe, per codec: the SFU switches layers and starts new
 * subscriptions only on keyframes, so decoders never see a delta frame without its reference. */
export function isKeyframe(mimeType: string, payload: Buffer): boolean {
  switch (mimeType.toLowerCase()) {
    case 'video/vp8':
      return vp8Keyframe(payload);
    case 'video/vp9':
      return vp9Keyframe(payload);
    case 'video/h264':
      return h264Keyframe(payload);
    case 'video/av1':
      // Aggregation header N bit: the first packet of a new coded video sequence.
      return payload.length > 0 && (payload[0]! & 0x08) !== 0;
    default:
      return true;
  }
}

function vp8Keyframe(p: Buffer): boolean {
  if (p.length < 1) return false;
  const b0 = p[0]!;
  const start = (b0 & 0x10) !== 0;
  const partition = b0 & 0x07;
  if (!start || partition !== 0) return false;
  let i = 1;
  if (b0 & 0x80) {
    if (p.length < 2) return false;
    const x = p[1]!;
    i = 2;
    if (x & 0x80) i += p.length > i && p[i]! & 0x80 ? 2 : 1; // picture id, 7 or 15 bits
    if (x & 0x40) i += 1; // TL0PICIDX
    if (x & 0x30) i += 1; // TID / KEYIDX
  }
  return p.length > i && (p[i]! & 0x01) === 0;
}

function vp9Keyframe(p: Buffer): boolean {
  if (p.length < 1) return false;
  const b0 = p[0]!;
  const interPicturePredicted = (b0 & 0x40) !== 0;
  const startOfFrame = (b0 & 0x08) !== 0;
  return !interPicturePredicted && startOfFrame;
}

function h264Keyframe(p: Buffer): boolean {
  if (p.length < 1) return false;
  const type = p[0]! & 0x1f;
  if (type === 5 || type === 7) return true;
  if (type === 24) {
    // STAP-A: 16-bit size, then a NAL unit, repeated
    let i = 1;
    while (i + 2 < p.length) {
      const size = p.readUInt16BE(i);
      const nal = p[i + 2]! & 0x1f;
      if (nal === 5 || nal === 7) return true;
      i += 2 + size;
    }
    return false;
  }
  if (type === 28 && p.length > 1) {
    const fu = p[1]!;
    const startBit = (fu & 0x80) !== 0;
    const nal = fu & 0x1f;
    return startBit && (nal === 5 || nal === 7);
  }
  return false;
}
