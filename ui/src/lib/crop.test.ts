import { describe, expect, it } from "vitest";
import { clamp, heightOf, initialFrame, MIN_WIDTH, moved, RATIO, resized, toCrop, tooSmall } from "./crop";

describe("the portrait frame", () => {
  it("starts as the widest 35:45 window, centred, as the core would choose", () => {
    const landscape = initialFrame(1000, 600);
    expect(landscape.width).toBeCloseTo(600 * RATIO);
    expect(landscape.y).toBeCloseTo(0);
    expect(landscape.x).toBeCloseTo((1000 - 600 * RATIO) / 2);
    const portrait = initialFrame(350, 900);
    expect(portrait).toMatchObject({ x: 0, width: 350 });
    expect(portrait.y).toBeCloseTo((900 - 450) / 2);
  });

  it("moves and stops at the picture's edges", () => {
    const f = { x: 100, y: 100, width: 140 };
    expect(moved(f, 50, -20, 1000, 600)).toEqual({ x: 150, y: 80, width: 140 });
    const far = moved(f, 5000, 5000, 1000, 600);
    expect(far.x + far.width).toBeCloseTo(1000);
    expect(far.y + heightOf(far)).toBeCloseTo(600);
    expect(moved(f, -5000, -5000, 1000, 600)).toMatchObject({ x: 0, y: 0 });
  });

  it("resizes about its centre, never below the size that prints nor beyond the picture", () => {
    const f = initialFrame(1000, 600);
    const small = resized(f, 10, 1000, 600);
    expect(small.width).toBe(MIN_WIDTH);
    expect(small.x + small.width / 2).toBeCloseTo(500);
    expect(small.y + heightOf(small) / 2).toBeCloseTo(300);
    expect(resized(small, 10_000, 1000, 600).width).toBeCloseTo(600 * RATIO);
    // Growing near a corner pushes the frame back inside rather than letting it spill over.
    const corner = resized({ x: 0, y: 0, width: 140 }, 400, 1000, 600);
    expect(corner).toMatchObject({ x: 0, y: 0 });
    expect(clamp({ x: -10, y: 700, width: 9999 }, 1000, 600)).toEqual({ x: 0, y: 0, width: 600 * RATIO });
  });

  it("becomes whole pixels inside the picture for the core", () => {
    const crop = toCrop(initialFrame(1000, 601), 1000, 601);
    expect(crop.x + crop.width).toBeLessThanOrEqual(1000);
    expect(crop.y + crop.height).toBeLessThanOrEqual(601);
    expect(Math.abs(crop.width / crop.height - RATIO)).toBeLessThan(0.01);
    expect(toCrop({ x: 999.7, y: 599.9, width: 0.2 }, 1000, 600)).toEqual({ x: 999, y: 599, width: 1, height: 1 });
  });

  it("knows a picture too small to print", () => {
    expect(tooSmall(120, 1000)).toBe(true);
    expect(tooSmall(1000, 170)).toBe(true);
    expect(tooSmall(140, 180)).toBe(false);
  });
});
