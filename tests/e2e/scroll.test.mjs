// Long pages in the window: only the content pane scrolls. On a demo centre with 300 certificates
// and 2,500 candidates, the certificates page is scrolled to its very end as a person would (the last
// row brought into view, then End): the menu stays at the top of the window and the rows are drawn
// (the window used to scroll itself, sliding the menu away and, at the end, leaving it blank). The
// candidates' virtualised list keeps drawing rows at its end; and each new page opens at its top.
import assert from "node:assert/strict";
import { test } from "node:test";
import { cli, click, go, initStore, launch, shown, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** Where things are: the window's own scroll, the content pane's, the menu's top edge. */
const layout = (b) =>
  b.execute(() => {
    const main = document.querySelector("main#content");
    return {
      window: document.scrollingElement.scrollTop,
      windowHeight: document.scrollingElement.scrollHeight,
      viewport: innerHeight,
      pane: main.scrollTop,
      paneEnd: main.scrollHeight - main.clientHeight,
      menuTop: document.querySelector("nav[aria-label=Main]").getBoundingClientRect().top,
    };
  });

/** Whether the element under the middle of `selector`'s box is that element or inside it: drawn, not hidden. */
const drawnAt = (b, selector) =>
  b.execute((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
    const hit = document.elementFromPoint(x, y);
    return hit !== null && (hit === el || el.contains(hit));
  }, selector);

test("a long list scrolled to its end keeps the menu and the page drawn; pages open at their top", async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir, "Riverside Plant Training");
  const made = cli(dir, ["--user", "admin", "demo", "--candidates", "2500", "--photos", "0"]);
  assert.match(made, /300 certificates issued/);
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);
    await go(b, "certificates");
    await textOf(b, "#cert-count", (t) => t.startsWith("300 certificates"));
    assert.equal((await layout(b)).windowHeight, (await layout(b)).viewport, "the window has nothing to scroll");

    // To the end: the last row brought into view (as focusing it does), then End.
    const last = "#certificates tbody tr:last-child";
    await (await shown(b, `${last} a`)).scrollIntoView();
    await b.keys(["End"]);
    await pause(300);
    let at = await layout(b);
    assert.equal(at.window, 0, "the window itself never scrolls");
    assert.equal(at.menuTop, 0, "the menu stays at the top of the window");
    assert.ok(at.pane > 0 && at.paneEnd - at.pane <= 1, `the pane is at its end: ${JSON.stringify(at)}`);
    assert.ok(await drawnAt(b, last), "the last certificate is drawn");
    assert.ok(await drawnAt(b, "#nav-certificates"), "the menu is drawn");

    // A new page opens at its top, not where the last one was left: a certificate, then the long
    // list of course runs reached from the end of the certificates.
    await click(b, `${last} a`);
    await shown(b, "#certificate-number");
    at = await layout(b);
    assert.deepEqual([at.pane, at.window, at.menuTop], [0, 0, 0], "the certificate opens at its top");
    await go(b, "certificates");
    await textOf(b, "#cert-count", (t) => t.startsWith("300 certificates"));
    await (await shown(b, `${last} a`)).scrollIntoView();
    assert.ok((await layout(b)).pane > 10000, "scrolled far down the certificates");
    await click(b, "#nav-runs");
    await shown(b, "#runs tbody a");
    at = await layout(b);
    assert.ok(at.paneEnd > 10000, `the runs page is long too: ${JSON.stringify(at)}`);
    assert.deepEqual([at.pane, at.window, at.menuTop], [0, 0, 0], "the runs page opens at its top");
    await click(b, "#nav-candidates");
    await textOf(b, "#candidate-total", (t) => t === "2,500 candidates");
    assert.equal((await layout(b)).pane, 0, "the candidates page opens at its top");

    // The virtualised list, taken to its end from the keyboard, keeps drawing rows there.
    // (Focused, not clicked: a click on a row opens that candidate.)
    await shown(b, "[role=listbox] [role=option]");
    await b.execute(() => document.querySelector("[role=listbox][aria-label='All candidates']").focus());
    await b.keys(["End"]);
    const lastRow = "[role=listbox] [role=option][aria-posinset='2500']";
    await b.waitUntil(() => drawnAt(b, lastRow), { timeout: 10000, timeoutMsg: "the list's last row was never drawn" });
    await b.waitUntil(
      () => b.execute((sel) => document.querySelector(sel)?.textContent.trim().length > 0, lastRow),
      { timeout: 10000, timeoutMsg: "the list's last row never filled in" },
    );
    at = await layout(b);
    assert.deepEqual([at.window, at.menuTop], [0, 0], "the menu stays put beside the list");
    assert.ok(await drawnAt(b, "#nav-candidates"), "the menu is drawn");
  } finally {
    await stop();
    cleanup();
  }
});
