// Measures the real app the way a user meets it, each figure beside a fair baseline taken in the same
// run (issue 17's window rows). Not a test: it prints medians, 95th percentiles and ratios, and the
// README's rows. Use release builds and a demo store:
//
//   cargo build --release -p centrebook-app -p centrebook-cli -p bare-window
//   B=target/release; export CENTREBOOK_PASSPHRASE=... CENTREBOOK_PASSWORD=... CENTREBOOK_KEYCHAIN=off
//   $B/centrebook --data-dir /some/big init --centre "Demo" --admin admin
//   $B/centrebook --data-dir /some/big --user admin demo --candidates 500000
//   APP_BIN=$B/centrebook-app CLI_BIN=$B/centrebook MEASURE_DIR=/some/big \
//     dbus-run-session -- bash .ci/with-keyring xvfb-run -a node tests/e2e/measure.mjs
//
// What it measures (MEASURE_LAUNCHES launches of each, 5 by default):
// - launch: process start to the unlock screen's passphrase field shown, beside a bare Tauri 2 window
//   (benches/bare-window, BARE_BIN, built with the same profile) showing one such field, launched the
//   same way (tauri-driver), alternately;
// - unlock + sign-in, timed inside the window from the click to the signed-in shell: with the
//   passphrase (keychain off), and on the keychain path (the store opened silently from the OS
//   keychain at launch: that command's own time plus the sign-in) when a Secret Service is running
//   (as under .ci/with-keyring; MEASURE_KEYCHAIN=off skips it);
// - type-ahead: real keystrokes (WebDriver) in the candidate search, each timed from the keydown
//   event to the frame after that query's rows are in the list; beside the core's query alone
//   (`centrebook bench search`, the same queries on the same store);
// - a window action during a long job: a search keystroke and opening a candidate, idle and then
//   while a long job runs on a copy of the store: an import of MEASURE_IMPORT_ROWS (150,000: a smaller
//   import ends before the actions do; the most a file may hold is 200,000) candidates, chosen in the
//   real file dialog (driven with xdotool), and an RTITB submission bundle saved through the real save
//   dialog (MEASURE_JOB=import or =bundle runs one, =off neither);
// - idle memory after sign-in (app + WebKit processes).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { dialogTitled, enterPath } from "./dialogs.mjs";
import { APP, CLI, click, launch, shown, textOf, unlockAndSignIn } from "./harness.mjs";

const dir = process.env.MEASURE_DIR;
if (!dir) throw new Error("set MEASURE_DIR to an initialised data folder (see the header)");
const passphrase = process.env.CENTREBOOK_PASSPHRASE;
const password = process.env.CENTREBOOK_PASSWORD;
const BARE = process.env.BARE_BIN ?? path.join(path.dirname(APP), "bare-window");
const launches = Number(process.env.MEASURE_LAUNCHES ?? 5);
const importRows = Number(process.env.MEASURE_IMPORT_ROWS ?? 150_000);
const WORDS = (process.env.MEASURE_WORDS ?? "smith,jones,williams,taylor,brown,davies,evans,wilson,thomas,roberts").split(",");
const JOB_WORDS = ["smith", "jones", "evans", "brown"];

// ---- figures ----
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => {
  const s = sorted(xs);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** The 95th percentile, nearest rank. */
const p95 = (xs) => sorted(xs)[Math.max(0, Math.ceil(0.95 * xs.length) - 1)];
const ms = (x) => `${x.toFixed(1)} ms`;
const fmt = (xs, unit = "ms") =>
  `median ${median(xs).toFixed(1)} ${unit}, p95 ${p95(xs).toFixed(1)} ${unit} (n=${xs.length}, min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;
const ratio = (a, b) => `${(median(a) / median(b)).toFixed(2)}×`;

// ---- processes ----
/** Milliseconds since the epoch at boot, to 10 ms (/proc/uptime; /proc/stat's btime is whole seconds). */
function bootMs() {
  const before = Date.now();
  const up = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  return before - up * 1000;
}
const ticks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
function startedMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return bootMs() + (Number(fields[19]) / ticks) * 1000;
}
/** Processes running `bin`, newest last. */
function running(bin) {
  return readdirSync("/proc").filter((p) => /^\d+$/.test(p)).map(Number).filter((p) => {
    try { return readlinkSync(`/proc/${p}/exe`) === bin; } catch { return false; }
  }).sort((a, b) => a - b);
}
/** The app and every process under it (WebKit's web and network processes). */
function family(root) {
  const parent = new Map();
  for (const p of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
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

// ---- the window ----
/**
 * Polls the window as fast as WebDriver answers until `selector` is shown; the time it was first
 * seen (ms since the epoch). WebDriver's own waits poll every 100 ms, too coarse beside a bare window.
 */
async function firstShown(b, selector, timeoutMs = 60000) {
  const t0 = Date.now();
  for (;;) {
    try {
      const seen = await b.execute((sel) => {
        const e = document.querySelector(sel);
        return !!e && e.getClientRects().length > 0;
      }, selector);
      if (seen) return Date.now();
    } catch { /* the page is still loading */ }
    if (Date.now() - t0 > timeoutMs) throw new Error(`${selector} never appeared`);
    // A short breath between polls, so the polling does not take the CPU the launch needs.
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Records each command's round trip into window.__calls from now on. Tauri's bridge is read-only, but
 * it sends every command with the page's fetch (the ipc: protocol), which can be wrapped.
 */
const recordCalls = (b) => b.execute(() => {
  if (window.__timed) return;
  const realFetch = window.fetch.bind(window);
  window.__calls = [];
  window.fetch = (url, init) => {
    const t0 = performance.now();
    const answer = realFetch(url, init);
    const cmd = String(url).split("/").pop();
    const note = () => window.__calls.push([cmd, performance.now() - t0]);
    answer.then(note, note);
    return answer;
  };
  window.__timed = true;
});

/**
 * Inside the window: fills in what is asked (`passphrase` first when given), clicks through unlock
 * and sign-in, and times each click to the next screen's frame: { unlock, signIn, calls }.
 */
const timedUnlockSignIn = (b, secret) => b.executeAsync((secret, password, done) => {
  const set = (sel, v) => {
    const e = document.querySelector(sel);
    e.value = v;
    e.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const until = (pred, then) => {
    const t0 = performance.now();
    const poll = () => {
      if (pred()) requestAnimationFrame(() => setTimeout(() => then(performance.now()), 0));
      else if (performance.now() - t0 > 30000) done({ error: "timed out" });
      else requestAnimationFrame(poll);
    };
    poll();
  };
  // Filled in, then clicked a frame later (the button is enabled once the field's value has landed).
  const signIn = (unlock) => {
    set("#username", "admin");
    set("#password", password);
    requestAnimationFrame(() => {
      const t1 = performance.now();
      document.querySelector("#sign-in-button").click();
      until(() => document.querySelector("#signed-in-user")?.textContent?.trim() === "admin",
        (t) => done({ unlock, signIn: t - t1, calls: window.__calls }));
    });
  };
  if (secret === null) return signIn(0);
  set("#passphrase", secret);
  requestAnimationFrame(() => {
    const t0 = performance.now();
    document.querySelector("#unlock").click();
    until(() => !!document.querySelector("#username"), (t) => signIn(t - t0));
  });
}, secret, password);

/**
 * Types `word` into the candidate search with real keystrokes, one at a time: for each, ms from its
 * keydown to the frame after the list shows that query's rows (data-query names the query answered).
 */
async function typeTimed(b, word) {
  await b.execute(() => {
    const input = document.querySelector("#candidate-search");
    input.value = "";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  });
  const out = [];
  for (let i = 1; i <= word.length; i++) {
    const q = word.slice(0, i);
    await b.execute((q) => {
      const m = { key: null, painted: null };
      window.__typed = m;
      const list = () => document.querySelector('ul.results[aria-label="Search results"]');
      document.querySelector("#candidate-search").addEventListener("keydown", (e) => { m.key = e.timeStamp; }, { once: true });
      const check = () => {
        const l = list();
        if (m.key !== null && m.painted === null && l && l.dataset.query === q && l.children.length > 0) {
          obs.disconnect();
          m.painted = -1;
          requestAnimationFrame(() => setTimeout(() => { m.painted = performance.now(); }, 0));
        }
      };
      const obs = new MutationObserver(check);
      obs.observe(document.body, { childList: true, subtree: true, attributes: true, characterData: true });
    }, q);
    await b.keys(word[i - 1]);
    // Waited for inside the page: polling through WebDriver would run script on the page's own
    // thread in the middle of what is being timed.
    const r = await b.executeAsync((done) => {
      const t0 = performance.now();
      const poll = () => {
        const m = window.__typed;
        if (m.painted > 0 || performance.now() - t0 > 20000) done(m);
        else setTimeout(poll, 50);
      };
      poll();
    });
    if (!(r.painted > 0)) throw new Error(`the rows for a ${i}-letter query never showed`);
    out.push(r.painted - r.key);
  }
  return out;
}

/** Opens candidate `c` by its address, as a click on its row does: ms to the frame showing its name. */
const openTimed = (b, c) => b.executeAsync((id, name, done) => {
  const t0 = performance.now();
  location.hash = `#/candidates/${id}`;
  const poll = () => {
    if (document.querySelector("#candidate-name")?.textContent?.trim() === name) {
      requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));
    } else if (performance.now() - t0 > 20000) done(-1);
    else requestAnimationFrame(poll);
  };
  poll();
}, c.id, `${c.forename} ${c.surname}`);

const go = (b, route) => b.execute((p) => { location.hash = `#/${p}`; }, route);

/** Kills what is left of a bare window this script started (the driver does not always end it). */
function endBare(pid) {
  try { process.kill(pid, "SIGTERM"); } catch { /* gone */ }
}

const results = {};
// MEASURE_ONLY=typeahead runs one launch and the type-ahead figures only.
const only = process.env.MEASURE_ONLY;
const out = (line) => console.log(line);

// ---- launch: the app beside a bare Tauri window, alternately; unlock + sign-in with the passphrase ----
const appLaunch = [], bareLaunch = [], unlockMs = [], signInMs = [], bothMs = [], idle = [];
const callsSeen = new Map();
let b, stop;
for (let i = 0; i < (only ? 1 : launches); i++) {
  if (!only) {
    const scratch = mkdtempSync(path.join(path.dirname(path.resolve(dir)), "bare-"));
    const started = await launch(scratch, {}, BARE);
    const pid = running(BARE).at(-1);
    const seen = await firstShown(started.browser, "#passphrase");
    bareLaunch.push(seen - startedMs(pid));
    await started.stop();
    endBare(pid);
    rmSync(scratch, { recursive: true, force: true });
  }
  ({ browser: b, stop } = await launch(dir));
  const pid = running(APP).at(-1);
  const seen = await firstShown(b, "#passphrase");
  appLaunch.push(seen - startedMs(pid));
  await recordCalls(b);
  const t = await timedUnlockSignIn(b, passphrase);
  if (t.error) throw new Error(`unlock and sign-in: ${t.error}`);
  unlockMs.push(t.unlock);
  signInMs.push(t.signIn);
  bothMs.push(t.unlock + t.signIn);
  for (const [cmd, d] of t.calls) {
    if (!callsSeen.has(cmd)) callsSeen.set(cmd, []);
    callsSeen.get(cmd).push(d);
  }
  if (only) break;
  await b.pause(10000);
  idle.push(memoryMiB(family(pid)));
  if (i < launches - 1) await stop();
}
if (!only) {
out(`launch to the unlock screen (process start to the passphrase field shown): ${fmt(appLaunch)}`);
out(`  a bare Tauri 2 window (benches/bare-window) to its field shown: ${fmt(bareLaunch)}`);
out(`  ratio: ${ratio(appLaunch, bareLaunch)}`);
out(`unlock with the passphrase + sign in, click to signed in (in the window): ${fmt(bothMs)}`);
out(`  unlock (click to sign-in screen): ${fmt(unlockMs)}; sign in (click to signed in): ${fmt(signInMs)}`);
out(`  commands during it, round trip: ${[...callsSeen].map(([c, d]) => `${c} ${ms(median(d))}`).join(", ")}`);
out(`idle memory after sign-in, app + WebKit processes: RSS ${fmt(idle.map((m) => m.rss), "MiB")}; PSS ${fmt(idle.map((m) => m.pss), "MiB")}`);
Object.assign(results, { appLaunch, bareLaunch, unlockMs, signInMs, bothMs, idle });
}

// ---- type-ahead: keystroke to rows painted, then the core's query alone on the same store ----
await go(b, "candidates");
await shown(b, "#candidate-search");
const keyToRows = [];
const typedQueries = [];
for (const w of WORDS) {
  keyToRows.push(...await typeTimed(b, w));
  for (let i = 1; i <= w.length; i++) typedQueries.push(w.slice(0, i));
}
await stop();
const core = JSON.parse(spawnSync(CLI, ["--data-dir", dir, "--json", "--user", "admin", "bench", "search"], {
  input: typedQueries.join("\n") + "\n",
  env: { ...process.env, CENTREBOOK_KEYCHAIN: "off" },
}).stdout.toString()).samples_ms;
out(`search as you type, keystroke to rows painted (no debounce): ${fmt(keyToRows)}`);
out(`  the core's query alone (centrebook bench search, the same ${typedQueries.length} queries): ${fmt(core)}`);
out(`  ratio of medians: ${ratio(keyToRows, core)}`);
Object.assign(results, { keyToRows, core });

// ---- the keychain path: the store opened from the OS keychain at launch, then sign in ----
if (only) {
  // the other sections are skipped
} else if (process.env.MEASURE_KEYCHAIN !== "off" && process.env.DBUS_SESSION_BUS_ADDRESS) {
  // Any verb run with the keychain on and the passphrase leaves the store's key in the keychain.
  spawnSync(CLI, ["--data-dir", dir, "--json", "--user", "admin", "centre", "show"], {
    env: { ...process.env, CENTREBOOK_KEYCHAIN: "on" },
  });
  const kcStatus = [], kcSignIn = [], kcBoth = [];
  for (let i = 0; i < launches; i++) {
    ({ browser: b, stop } = await launch(dir, { CENTREBOOK_KEYCHAIN: "on" }));
    await firstShown(b, "#username");
    // The store_status call that unlocked from the keychain, as the window's resource timing saw it.
    const status = await b.execute(() =>
      performance.getEntriesByType("resource").filter((e) => e.name.includes("store_status")).map((e) => e.duration));
    await recordCalls(b);
    const t = await timedUnlockSignIn(b, null);
    if (t.error) throw new Error(`keychain sign-in: ${t.error}`);
    // WebKitGTK may keep no resource timing for the ipc: protocol: then the sign-in alone is timed
    // here, and the keychain open is the core's figure (`centrebook bench`, "open the store from the
    // OS keychain").
    if (status.length) kcStatus.push(status[0]);
    kcSignIn.push(t.signIn);
    kcBoth.push((status.length ? status[0] : 0) + t.signIn);
    await stop();
  }
  out(`unlock from the OS keychain + sign in${kcStatus.length ? "" : " (sign-in only: no timing of the keychain open was seen)"}: ${fmt(kcBoth)}`);
  if (kcStatus.length) out(`  the keychain unlock (the first store_status round trip): ${fmt(kcStatus)}; sign in: ${fmt(kcSignIn)}`);
  Object.assign(results, { kcStatus, kcSignIn, kcBoth });
} else {
  out("unlock from the OS keychain + sign in: not measured (no D-Bus session; run under .ci/with-keyring)");
}

// ---- a window action during a long job: idle, then while the job runs, on a copy of the store ----
/**
 * Launches the app on a fresh copy of the store, times the actions idle, starts `job.start` (which
 * returns once the job is under way), times them again, and prints both with their ratio. The job
 * must still be running when the actions end (`job.running`), else the figure is marked void, and
 * `job.finished`, when given, waits for its result.
 */
async function duringJob(job) {
  const base = mkdtempSync(path.join(path.dirname(path.resolve(dir)), "job-"));
  try {
    const copy = path.join(base, "data");
    mkdirSync(copy, { mode: 0o700 });
    for (const f of readdirSync(dir)) if (!f.endsWith(".lock")) copyFileSync(path.join(dir, f), path.join(copy, f));
    ({ browser: b, stop } = await launch(copy));
    await unlockAndSignIn(b, passphrase, password);
    // Four people to open, found through the window's own search (16 opens a run: 8 were too few to tell variants apart).
    const people = await b.executeAsync((done) =>
      window.__TAURI_INTERNALS__.invoke("search_candidates", { typed: "evans", limit: 4 }).then(done, () => done([])));
    const actions = async () => {
      const search = [], open = [];
      for (const w of JOB_WORDS) {
        await go(b, "candidates");
        await shown(b, "#candidate-search");
        search.push(...await typeTimed(b, w));
        for (const c of people) {
          await go(b, "candidates");
          await shown(b, "#candidate-search");
          const t = await openTimed(b, c);
          if (t < 0) throw new Error("a candidate's page never showed");
          open.push(t);
        }
      }
      return { search, open };
    };
    const idleActions = await actions();
    await job.start(b, base);
    const busy = await actions();
    // Still running once the actions were timed (else they were not "during" it).
    const during = await job.running(b, base);
    // And it did its work: a job that failed at once would look "running" to some checks.
    await job.finished?.(b, base);
    await stop();
    out(`a window action during ${job.name}${during ? "" : " (WARNING: the job ended before the actions did)"}:`);
    out(`  search keystroke to rows painted: idle ${fmt(idleActions.search)}; during ${fmt(busy.search)}; ratio ${ratio(busy.search, idleActions.search)}`);
    out(`  open a candidate to its page shown: idle ${fmt(idleActions.open)}; during ${fmt(busy.open)}; ratio ${ratio(busy.open, idleActions.open)}`);
    return { idle: idleActions, busy, during };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

const jobs = process.env.MEASURE_JOB ?? "import,bundle";
if (!only && jobs.split(",").includes("import") && importRows > 0) {
  const csv = (base) => path.join(base, `candidates-${importRows}.csv`);
  results.import = await duringJob({
    name: `a ${importRows.toLocaleString("en-GB")}-row import`,
    async start(b, base) {
      importFile(csv(base), importRows);
      await click(b, "#nav-import");
      await click(b, "#choose-import-file");
      await enterPath(await dialogTitled("Choose a file of candidates"), "ctrl+l", csv(base));
      // Rows whose NI number a demo candidate already has are held for a person, so a big demo store
      // may leave a few out: any count of good rows will do.
      await textOf(b, "#import-good", (t) => /^Import [\d,]+ good rows?$/.test(t), 30 * 60_000);
      await click(b, "#import-good");
      await textOf(b, "#import-progress", (t) => /Importing row [1-9]/.test(t), 120_000);
    },
    // The file's last row is not in the store yet.
    running: (b) => b.executeAsync((typed, done) =>
      window.__TAURI_INTERNALS__.invoke("search_candidates", { typed, limit: 1 }).then((r) => done(r.length === 0), () => done(false)),
    `Bulkrow${importRows - 1}`),
  });
}
if (!only && jobs.split(",").includes("bundle")) {
  // A centre's first RTITB bundle: every lift-truck result of the demo's years (235,001 on the
  // 500,000-candidate store; about 30 s from the command line).
  const zip = (base) => path.join(base, "rtitb.zip");
  results.bundle = await duringJob({
    name: "the making of an RTITB submission bundle",
    async start(b, base) {
      await click(b, "#nav-submissions");
      await (await shown(b, "#b-profile")).selectByAttribute("value", "rtitb");
      await textOf(b, "#b-waiting", (t) => /wait to be submitted to RTITB/.test(t), 120_000);
      await click(b, "#create-bundle");
      await enterPath(await dialogTitled("Save the submission bundle"), null, zip(base));
      await shown(b, "#b-progress");
    },
    // The bundle is written under a hidden name and named only once it is whole and recorded.
    running: async (b, base) => !existsSync(zip(base)),
    async finished(b, base) {
      for (const t0 = Date.now(); !existsSync(zip(base)); await b.pause(500)) {
        if (Date.now() - t0 > 10 * 60_000) throw new Error("the bundle was never saved");
      }
    },
  });
}

if (process.env.MEASURE_JSON) writeFileSync(process.env.MEASURE_JSON, JSON.stringify(results, null, 1));

/** `rows` distinct, valid candidates as an employer's spreadsheet would list them. */
function importFile(file, rows) {
  const LETTERS = "ABCEGHJKLMNPRSTWXYZ";
  const UNUSED = new Set(["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"]);
  const lines = ["First name,Last name,NI number,Date of birth,Postcode,Mobile"];
  for (let i = 0, n = 0; n < rows; i++) {
    const prefix = LETTERS[i % 19] + LETTERS[Math.floor(i / 19) % 19];
    if (UNUSED.has(prefix)) continue;
    const ni = `${prefix}${String(i).padStart(6, "0")}${"ABCD"[i % 4]}`;
    const dob = `${String(1 + (i % 28)).padStart(2, "0")}/${String(1 + (i % 12)).padStart(2, "0")}/${1960 + (i % 40)}`;
    lines.push(`Importee${n},Bulkrow${n},${ni},${dob},LS${1 + (i % 9)} ${1 + (i % 9)}AA,07700 9${String(i % 100000).padStart(5, "0")}`);
    n++;
  }
  writeFileSync(file, lines.join("\n") + "\n", { mode: 0o600 });
}
