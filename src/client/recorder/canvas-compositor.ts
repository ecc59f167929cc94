/**
 * Draws the room into a canvas: each tile's video (covering its area; a screen share fitted whole) with the
 * person's name, or the name alone while a camera is off. One hidden `<video>` per track feeds the canvas.
 */
import { compositeLayout } from './composite-layout.ts';
import type { Rect, RecorderTile } from './types.ts';

const BACKGROUND = '#111418';
const TILE = '#1f242b';

export class CanvasCompositor {
  readonly canvas: HTMLCanvasElement;
  readonly #g: CanvasRenderingContext2D;
  readonly #videos = new Map<MediaStreamTrack, HTMLVideoElement>();

  constructor(width: number, height: number) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    const g = this.canvas.getContext('2d', { alpha: false });
    if (!g) throw new Error('no 2D canvas');
    this.#g = g;
  }

  /** Draws one frame of `tiles`. */
  draw(tiles: readonly RecorderTile[]): void {
    const g = this.#g;
    const { width, height } = this.canvas;
    g.fillStyle = BACKGROUND;
    g.fillRect(0, 0, width, height);
    const rects = compositeLayout(tiles, width, height);
    const live = new Set<MediaStreamTrack>();
    for (const tile of tiles) {
      const r = rects.get(tile.key);
      if (!r) continue;
      g.fillStyle = TILE;
      g.fillRect(r.x, r.y, r.w, r.h);
      const video = tile.track && tile.track.readyState === 'live' ? this.#video(tile.track) : undefined;
      if (tile.track && video) live.add(tile.track);
      if (video && video.videoWidth > 0) this.#drawVideo(video, r, tile.screen);
      else this.#initial(tile.name, r);
      if (!tile.screen) this.#label(tile.name, r);
    }
    for (const [track, video] of this.#videos) {
      if (!live.has(track)) {
        video.srcObject = null;
        this.#videos.delete(track);
      }
    }
  }

  close(): void {
    for (const video of this.#videos.values()) video.srcObject = null;
    this.#videos.clear();
  }

  #video(track: MediaStreamTrack): HTMLVideoElement {
    let video = this.#videos.get(track);
    if (!video) {
      video = document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      video.srcObject = new MediaStream([track]);
      void video.play().catch(() => undefined);
      this.#videos.set(track, video);
    }
    return video;
  }

  #drawVideo(video: HTMLVideoElement, r: Rect, contain: boolean): void {
    const vw = video.videoWidth;
    const vh = video.videoHeight;
    const scale = contain ? Math.min(r.w / vw, r.h / vh) : Math.max(r.w / vw, r.h / vh);
    const w = vw * scale;
    const h = vh * scale;
    const g = this.#g;
    g.save();
    g.beginPath();
    g.rect(r.x, r.y, r.w, r.h);
    g.clip();
    g.drawImage(video, r.x + (r.w - w) / 2, r.y + (r.h - h) / 2, w, h);
    g.restore();
  }

  #initial(name: string, r: Rect): void {
    const g = this.#g;
    const size = Math.max(16, Math.min(r.w, r.h) / 3);
    g.fillStyle = '#3a4350';
    g.beginPath();
    g.arc(r.x + r.w / 2, r.y + r.h / 2, size / 2 + 8, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#fff';
    g.font = `600 ${Math.round(size / 1.6)}px system-ui, sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText([...name.trim()][0]?.toUpperCase() ?? '?', r.x + r.w / 2, r.y + r.h / 2);
  }

  #label(name: string, r: Rect): void {
    const g = this.#g;
    const size = Math.max(12, Math.min(22, Math.round(r.h / 14)));
    g.font = `500 ${size}px system-ui, sans-serif`;
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    const pad = Math.round(size / 2);
    const text = fit(g, name, r.w - 4 * pad);
    const w = g.measureText(text).width + 2 * pad;
    const h = size + pad;
    g.fillStyle = 'rgba(0, 0, 0, 0.6)';
    g.fillRect(r.x + pad, r.y + r.h - h - pad, w, h);
    g.fillStyle = '#fff';
    g.fillText(text, r.x + 2 * pad, r.y + r.h - pad - h / 2);
  }
}

/** `text`, shortened with an ellipsis to fit `max` pixels. */
function fit(g: CanvasRenderingContext2D, text: string, max: number): string {
  if (g.measureText(text).width <= max) return text;
  const chars = [...text];
  while (chars.length > 1 && g.measureText(`${chars.join('')}…`).width > max) chars.pop();
  return `${chars.join('')}…`;
}
