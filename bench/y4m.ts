/**
 * A realistic fake camera for benchmarks: a Y4M file of moving noise (Chromium's built-in pattern sends only
 * ~110 kbps; this makes VP8 spend its whole budget, like a real camera).
 */
import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';

export async function makeY4m(
  path: string,
  width = 640,
  height = 360,
  frames = 90,
  fps = 30,
): Promise<string> {
  if (existsSync(path)) return path;
  const out = createWriteStream(path);
  out.write(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const ySize = width * height;
  const cSize = (width / 2) * (height / 2);
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed >>> 23;
  };
  for (let f = 0; f < frames; f++) {
    const frame = Buffer.alloc(ySize + 2 * cSize);
    // A gradient background that drifts, plus a block of fresh noise that moves across the frame.
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) frame[y * width + x] = (x + y + f * 4) & 0xff;
    }
    const bx = (f * 7) % (width - 200);
    const by = (f * 3) % (height - 120);
    for (let y = by; y < by + 120; y++) {
      for (let x = bx; x < bx + 200; x++) frame[y * width + x] = rand();
    }
    frame.fill(128, ySize);
    for (let i = 0; i < cSize; i += 3) frame[ySize + i] = 96 + (rand() & 63);
    if (!out.write('FRAME\n')) await once(out, 'drain');
    if (!out.write(frame)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return path;
}
