// A virtual list's arithmetic and its page cache, so a list of 500,000 candidates scrolls smoothly:
// only the rows in view (plus a margin) are in the page, and rows are fetched a page at a time.

/** The rows to render for a scroll position: `[first, last)` with `overscan` rows either side. */
export function visibleRange(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  total: number,
  overscan = 8,
): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}

/**
 * Browsers cap an element's height (500,000 rows of 44 px is 22,000,000 px), so beyond `maxPx` the
 * scroll space is compressed: `space` is the scroller's content height and `ratio` turns its scroll
 * position into the position in the full list (1 when nothing is compressed).
 */
export function scrollSpace(
  total: number,
  rowHeight: number,
  viewport: number,
  maxPx = 8_000_000,
): { space: number; ratio: number } {
  const full = total * rowHeight;
  if (full <= maxPx || maxPx <= viewport) return { space: full, ratio: 1 };
  return { space: maxPx, ratio: (full - viewport) / (maxPx - viewport) };
}

/** Pages of rows fetched on demand; at most `keep` pages are held. */
export class PageCache<T> {
  private pages = new Map<number, T[]>();
  private loading = new Map<number, Promise<void>>();
  total = 0;

  constructor(
    private fetch: (offset: number, limit: number) => Promise<{ total: number; items: T[] }>,
    readonly pageSize = 200,
    private keep = 20,
  ) {}

  /** The row at `i` if its page is loaded. */
  get(i: number): T | undefined {
    return this.pages.get(Math.floor(i / this.pageSize))?.[i % this.pageSize];
  }

  /** Loads every page touching `[first, last)`; resolves when they are in. */
  async ensure(first: number, last: number): Promise<boolean> {
    const wanted: number[] = [];
    for (let p = Math.floor(first / this.pageSize); p <= Math.floor(Math.max(first, last - 1) / this.pageSize); p++)
      wanted.push(p);
    const missing = wanted.filter((p) => !this.pages.has(p));
    if (missing.length === 0) return false;
    await Promise.all(missing.map((p) => this.load(p)));
    // Drop the pages furthest from what is in view.
    if (this.pages.size > this.keep) {
      const centre = wanted[0];
      const order = [...this.pages.keys()].sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
      for (const p of order.slice(0, this.pages.size - this.keep)) this.pages.delete(p);
    }
    return true;
  }

  reset() {
    this.pages.clear();
    this.loading.clear();
  }

  private load(p: number): Promise<void> {
    let l = this.loading.get(p);
    if (!l) {
      l = this.fetch(p * this.pageSize, this.pageSize).then((page) => {
        this.total = page.total;
        this.pages.set(p, page.items);
        this.loading.delete(p);
      });
      this.loading.set(p, l);
    }
    return l;
  }
}
