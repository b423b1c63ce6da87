// Search as you type has no fixed wait: every keystroke asks at once, so answers may come back out of
// order. The newest keystroke wins: an older query's answer that arrives after a newer one's never
// replaces the newer rows.
//
// To make an answer late on purpose, the test wraps the page's fetch, which carries the window's
// commands (from outside, through WebDriver, not a switch in the app), so that the answer to the first
// query is held back for a second and a half, long after the second query's answer has been shown.
import assert from "node:assert/strict";
import { test } from "node:test";
import { addCandidate, go, initStore, launch, shown, tempDataDir, unlockAndSignIn } from "./harness.mjs";

/** The names in the search results, as shown. */
const names = (b) => b.execute(() =>
  [...document.querySelectorAll('ul.results[aria-label="Search results"] .name')].map((n) => n.textContent.trim()));

test("an older search answer arriving late never replaces the newer rows", { timeout: 5 * 60_000 }, async () => {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  for (const [forename, surname] of [["Sam", "Smith"], ["Bob", "Smythe"], ["Ann", "Smart"]]) {
    addCandidate(dir, { forename, surname });
  }
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);
    await go(b, "candidates");
    await shown(b, "#candidate-search");

    // Hold back the answer to "sm" (all three people) until 1.5 s after it was asked; note when it
    // lands. Tauri's bridge itself cannot be replaced (its invoke is read-only), but it sends each
    // command with the page's fetch (the ipc: protocol), which can be.
    await b.execute(() => {
      const realFetch = window.fetch.bind(window);
      window.__lateAnswer = "not asked";
      window.fetch = (url, init) => {
        const answer = realFetch(url, init);
        let typed = null;
        try { typed = String(url).endsWith("/search_candidates") ? JSON.parse(init.body).typed : null; } catch { /* not JSON */ }
        if (typed !== "sm") return answer;
        window.__lateAnswer = "held";
        return new Promise((resolve, reject) => setTimeout(() => {
          answer.then(async (r) => {
            const rows = await r.clone().json();
            window.__lateAnswer = `${rows.length} rows delivered`;
            resolve(r);
          }, reject);
        }, 1500));
      };
    });

    // Two keystrokes, the second straight after the first: "sm" then "smi".
    await b.execute(() => {
      const input = document.querySelector("#candidate-search");
      input.value = "sm";
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.value = "smi";
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });

    // The newer query's rows show at once (no debounce, and not waiting for the older answer)...
    await b.waitUntil(async () => (await names(b)).join("|") === "Smith, Sam", {
      timeout: 1000, timeoutMsg: "the rows for \"smi\" did not show within a second of the keystroke",
    });
    assert.equal(await b.execute(() => window.__lateAnswer), "held", "the answer to \"sm\" is still held back");

    // ...and stay once the older answer, which matched all three, has arrived.
    await b.waitUntil(async () => /delivered/.test(await b.execute(() => window.__lateAnswer)), { timeout: 10000 });
    assert.equal(await b.execute(() => window.__lateAnswer), "3 rows delivered");
    await b.pause(300);
    assert.deepEqual(await names(b), ["Smith, Sam"]);
    assert.equal(await b.$('ul.results[aria-label="Search results"]').getAttribute("data-query"), "smi");
    assert.equal(await b.$("#candidate-search").getValue(), "smi");
  } finally {
    await stop();
    cleanup();
  }
});
