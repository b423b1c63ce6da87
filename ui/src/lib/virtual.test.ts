import { describe, expect, it } from "vitest";
import { PageCache, scrollSpace, visibleRange } from "./virtual";

describe("visibleRange", () => {
  it("covers the viewport plus a margin, clipped to the list", () => {
    expect(visibleRange(0, 440, 44, 1000, 5)).toEqual({ first: 0, last: 15 });
    expect(visibleRange(4400, 440, 44, 1000, 5)).toEqual({ first: 95, last: 115 });
    expect(visibleRange(43_560, 440, 44, 1000, 5)).toEqual({ first: 985, last: 1000 });
    expect(visibleRange(0, 440, 44, 0, 5)).toEqual({ first: 0, last: 0 });
  });
});

describe("scrollSpace", () => {
  it("is the full height for short lists", () => {
    expect(scrollSpace(1000, 44, 600)).toEqual({ space: 44_000, ratio: 1 });
  });
  it("compresses 500,000 rows so the last row is still reachable", () => {
    const { space, ratio } = scrollSpace(500_000, 44, 600);
    expect(space).toBe(8_000_000);
    // At the bottom of the scroller, the view shows the last rows of the full list.
    const bottom = (space - 600) * ratio;
    expect(visibleRange(bottom, 600, 44, 500_000, 0).last).toBe(500_000);
  });
});

describe("PageCache", () => {
  it("fetches only the pages in view, once each, and drops far pages", async () => {
    const asked: number[] = [];
    const cache = new PageCache<number>(
      async (offset, limit) => {
        asked.push(offset);
        return { total: 500_000, items: Array.from({ length: limit }, (_, i) => offset + i) };
      },
      100,
      3,
    );
    expect(await cache.ensure(0, 30)).toBe(true);
    expect(await cache.ensure(10, 40)).toBe(false);
    expect(cache.get(29)).toBe(29);
    expect(cache.total).toBe(500_000);
    await cache.ensure(250_050, 250_130);
    expect(asked).toEqual([0, 250_000, 250_100]);
    expect(cache.get(250_120)).toBe(250_120);
    await cache.ensure(499_950, 500_000);
    // Three pages kept: the first page, furthest away, is gone.
    expect(cache.get(5)).toBeUndefined();
    expect(cache.get(499_999)).toBe(499_999);
  });
});
