/**
 * Where each tile goes in the composite, as the room shows it: cameras in a grid; with a screen share, the
 * (first) share takes the main area and the cameras a column beside it. Pure, so it has a node test.
 */
import type { Rect } from './types.ts';

export interface LayoutTile {
  key: string;
  screen: boolean;
}

const GAP = 8;

/** Rectangles for `tiles` in a `width` x `height` frame, keyed like the tiles. */
export function compositeLayout(
  tiles: readonly LayoutTile[],
  width: number,
  height: number,
): Map<string, Rect> {
  const out = new Map<string, Rect>();
  const screen = tiles.find((t) => t.screen);
  const others = tiles.filter((t) => t !== screen);
  if (!screen) {
    grid(others, { x: 0, y: 0, w: width, h: height }, out);
    return out;
  }
  if (others.length === 0) {
    out.set(screen.key, { x: 0, y: 0, w: width, h: height });
    return out;
  }
  // The share gets three quarters of the width; cameras stack in the rest (a grid when many).
  const side = Math.round(width / 4);
  out.set(screen.key, { x: 0, y: 0, w: width - side - GAP, h: height });
  grid(others, { x: width - side, y: 0, w: side, h: height }, out, 1);
  return out;
}

/** A grid with as square a shape as the area allows (`columns` forces a count). */
function grid(tiles: readonly LayoutTile[], area: Rect, out: Map<string, Rect>, columns?: number): void {
  const n = tiles.length;
  if (n === 0) return;
  let cols = columns ?? Math.ceil(Math.sqrt((n * area.w * 9) / (area.h * 16)));
  cols = Math.max(1, Math.min(n, cols));
  let rows = Math.ceil(n / cols);
  if (columns !== undefined && rows * ((area.w * 9) / 16) > area.h * 1.5) {
    // A narrow column with many cameras: two columns keep the tiles from becoming slivers.
    cols = Math.min(n, 2);
    rows = Math.ceil(n / cols);
  }
  const w = (area.w - GAP * (cols - 1)) / cols;
  const h = (area.h - GAP * (rows - 1)) / rows;
  tiles.forEach((t, i) => {
    const row = Math.floor(i / cols);
    const inRow = row === rows - 1 ? n - row * cols : cols;
    // The last row is centred when it is not full.
    const offset = ((cols - inRow) * (w + GAP)) / 2;
    out.set(t.key, {
      x: Math.round(area.x + offset + (i % cols) * (w + GAP)),
      y: Math.round(area.y + row * (h + GAP)),
      w: Math.round(w),
      h: Math.round(h),
    });
  });
}
