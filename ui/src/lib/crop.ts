// The portrait frame a person moves and sizes over a photo, in the photo's own pixels. The core
// keeps the widest 35:45 window inside the frame it is given, so the frame here is always 35:45,
// inside the picture, and (where the picture allows) at least the smallest size that still prints.
import type { Crop } from "./types";

/** Width over height of a passport photo (35 x 45 mm). */
export const RATIO = 35 / 45;
/** The smallest portrait the core accepts (it would not print on a card): 140 x 180 pixels. */
export const MIN_WIDTH = 140;

export interface Frame {
  x: number;
  y: number;
  width: number; // height is always width / RATIO
}

export const heightOf = (f: Frame) => f.width / RATIO;

/** The widest frame that fits the picture: what the core would take without a frame. */
export function widest(w: number, h: number): number {
  return Math.min(w, h * RATIO);
}

/** The widest frame, centred: the starting point, and the core's own choice. */
export function initialFrame(w: number, h: number): Frame {
  const width = widest(w, h);
  return { x: (w - width) / 2, y: (h - width / RATIO) / 2, width };
}

/** Keeps a frame inside the picture, moving it rather than shrinking it (unless it is too big). */
export function clamp(f: Frame, w: number, h: number): Frame {
  const width = Math.min(Math.max(f.width, 1), widest(w, h));
  const height = width / RATIO;
  return {
    x: Math.min(Math.max(f.x, 0), w - width),
    y: Math.min(Math.max(f.y, 0), h - height),
    width,
  };
}

/** The frame moved by `dx`, `dy` picture pixels, stopping at the edges. */
export function moved(f: Frame, dx: number, dy: number, w: number, h: number): Frame {
  return clamp({ ...f, x: f.x + dx, y: f.y + dy }, w, h);
}

/** The frame resized to `width` about its centre, kept inside the picture. */
export function resized(f: Frame, width: number, w: number, h: number): Frame {
  const cx = f.x + f.width / 2;
  const cy = f.y + heightOf(f) / 2;
  const wanted = Math.min(Math.max(width, smallest(w, h)), widest(w, h));
  return clamp({ x: cx - wanted / 2, y: cy - wanted / RATIO / 2, width: wanted }, w, h);
}

/** The smallest frame offered: the smallest that prints, or the whole width of a small picture. */
export function smallest(w: number, h: number): number {
  return Math.min(MIN_WIDTH, widest(w, h));
}

/** The frame as whole pixels for the core, still inside the picture and never empty. */
export function toCrop(f: Frame, w: number, h: number): Crop {
  const x = Math.min(Math.max(Math.round(f.x), 0), w - 1);
  const y = Math.min(Math.max(Math.round(f.y), 0), h - 1);
  return {
    x,
    y,
    width: Math.max(1, Math.min(Math.round(f.width), w - x)),
    height: Math.max(1, Math.min(Math.round(heightOf(f)), h - y)),
  };
}

/** Too small to print: the core will refuse it, so the window says so before anyone presses Save. */
export function tooSmall(w: number, h: number): boolean {
  return widest(w, h) < MIN_WIDTH;
}
