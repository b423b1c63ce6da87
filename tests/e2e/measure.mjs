// Measures the real app the way a user meets it: time from launch to a usable window, idle memory of
// the app and its WebKit processes, and search-as-you-type latency in the window. Not a test: it
// prints medians. Use a release build and a demo store, e.g.
//
//   cargo build --release -p centrebook-app -p centrebook-cli
//   target/release/centrebook --data-dir /tmp/big init --centre "Demo" --admin admin
//   target/release/centrebook --data-dir /tmp/big --user admin demo --candidates 500000
//   APP_BIN=target/release/centrebook-app MEASURE_DIR=/tmp/big xvfb-run -a node tests/e2e/measure.mjs
//
// (CENTREBOOK_PASSPHRASE / CENTREBOOK_PASSWORD as for the CLI; the keychain is off, so the window
// opens on the unlock screen and the launch figure is "process start to passphrase field shown".)
import { readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { APP, launch, fill, click, shown, go, signIn, timedSearch } from "./harness.mjs";

const dir = process.env.MEASURE_DIR;
if (!dir) throw new Error("set MEASURE_DIR to an initialised data folder (see the header)");
const passphrase = process.env.CENTREBOOK_PASSPHRASE;
const password = process.env.CENTREBOOK_PASSWORD;
const launches = Number(process.env.MEASURE_LAUNCHES ?? 5);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (xs, unit = "ms") => `median ${median(xs).toFixed(1)} ${unit} (n=${xs.length}, min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;

// Process start from /proc, in ms since the epoch: boot time + start ticks / clock rate.
const bootMs = Number(/btime (\d+)/.exec(readFileSync("/proc/stat", "utf8"))[1]) * 1000;
const ticks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
function startedMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return bootMs + (Number(fields[19]) / ticks) * 1000;
}
/** The newest process running this app binary (other apps may be open beside it). */
function newestAppPid() {
  return Number(execFileSync("pgrep", ["-n", "-f", `^${APP}`]).toString().trim());
}
/** The app and every process under it (WebKit's web and network processes). */
function family(root) {
  const all = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  const parent = new Map();
  for (const p of all) {
    try {
      const s = readFileSync(`/proc/${p}/stat`, "utf8");
      parent.set(Number(p), Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[1]));
    } catch { /* gone */ }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [p, pp] of parent) if (pp === out[i]) out.push(p);
  return out;
}
function memoryMiB(pids) {
  let rss = 0, pss = 0;
  for (const p of pids) {
    try {
      const r = readFileSync(`/proc/${p}/smaps_rollup`, "utf8");
      rss += Number(/^Rss:\s+(\d+)/m.exec(r)[1]);
      pss += Number(/^Pss:\s+(\d+)/m.exec(r)[1]);
    } catch { /* gone */ }
  }
  return { rss: rss / 1024, pss: pss / 1024 };
}

const launchMs = [], signedInMs = [], idle = [];
let browser, stop;
for (let i = 0; i < launches; i++) {
  ({ browser, stop } = await launch(dir));
  const pid = newestAppPid();
  await shown(browser, "#passphrase", 60000);
  launchMs.push(Date.now() - startedMs(pid));
  await fill(browser, "#passphrase", passphrase);
  const t0 = Date.now();
  await click(browser, "#unlock");
  await shown(browser, "#username", 60000);
  await signIn(browser, "admin", password);
  signedInMs.push(Date.now() - t0);
  await browser.pause(10000);
  idle.push(memoryMiB(family(pid)));
  if (i < launches - 1) await stop();
}

// Search as you type, in the window: each keystroke of a few names, timed from the key to the list
// showing that query's rows (this includes the screen's 120 ms debounce), and the command's own round
// trip through the IPC bridge.
await go(browser, "candidates");
await shown(browser, "#candidate-search");
const queries = (process.env.MEASURE_QUERIES ?? "s,sm,smi,smit,jo,jon,jone,w,wi,wil,ro,rob,a,al,ali,b,ba,bak").split(",");
const keyToList = [], roundTrip = [];
for (const q of queries) {
  const ms = await timedSearch(browser, q, 10000);
  if (ms >= 0) keyToList.push(ms);
  const rt = await browser.executeAsync((typed, done) => {
    const t0 = performance.now();
    window.__TAURI_INTERNALS__.invoke("search_candidates", { typed, limit: 100 }).then(() => done(performance.now() - t0), () => done(-1));
  }, q);
  if (rt >= 0) roundTrip.push(rt);
}
await stop();

console.log(`launch (process start to unlock screen shown): ${fmt(launchMs)}`);
console.log(`unlock + sign in (click to signed in): ${fmt(signedInMs)}`);
console.log(`idle memory after sign-in, app + WebKit processes: RSS ${fmt(idle.map((m) => m.rss), "MiB")}; PSS ${fmt(idle.map((m) => m.pss), "MiB")}`);
console.log(`search as you type, key to list shown (incl. 120 ms debounce): ${fmt(keyToList)}`);
console.log(`search command round trip in the window: ${fmt(roundTrip)}`);
