//! The kill -9 harness `kill9.rs` shares between its operations: every round starts from a copy of
//! the same prepared data folder, runs one `centrebook` verb and kills it (SIGKILL on Unix,
//! TerminateProcess on Windows) at a moment drawn uniformly inside the verb's own work, then hands the
//! folder to the operation's checks, and finally greps every file the round could have left for the
//! plaintext it must not hold.
//!
//! Where the work starts and ends is measured, not guessed. A verb that signs in starts its work when
//! the sign-in commits (its audit entry is the first write, so the database's WAL grows from empty):
//! the harness watches for that, so the start-up, the unlock and the sign-in (Argon2 twice, the
//! longest and most variable part on a busy machine) are excluded by construction; a restore, which
//! signs in to the backup rather than the store, works from its start. Two uninterrupted runs time
//! the work from there to the exit, and each round's kill is drawn uniformly inside it.
//!
//! `CENTREBOOK_CRASH_ROUNDS` asks for more rounds than the 20 CI runs; `CENTREBOOK_CRASH_SEED`
//! replays a failing run (every round's moment comes from it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::common::{text, AS_ADMIN, PASSPHRASE, PASSWORD};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Rounds per operation: 20 in CI, more with `CENTREBOOK_CRASH_ROUNDS`.
pub fn rounds() -> u32 {
    std::env::var("CENTREBOOK_CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(20)
}

/// A verb as the harness runs it: its arguments and the environment beyond the admin's secrets.
#[derive(Clone, Debug)]
pub struct Verb {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl Verb {
    pub fn new(args: &[&str]) -> Verb {
        Verb { args: args.iter().map(|a| a.to_string()).collect(), env: Vec::new() }
    }

    pub fn with_env(mut self, k: &str, v: &str) -> Verb {
        self.env.push((k.to_owned(), v.to_owned()));
        self
    }
}

/// Where an operation's work begins.
#[derive(Clone, Copy)]
pub enum Start {
    /// When the process starts (a restore: it opens no store before its work).
    Process,
    /// When the sign-in's audit entry is committed: the data folder's WAL grows from empty.
    SignedIn,
}

/// An operation to kill: the verb, and where its work begins.
pub struct Op {
    pub name: &'static str,
    pub verb: Verb,
    pub start: Start,
    /// Strings from the input that must never be found in a file the round left: names, secrets.
    pub markers: Vec<String>,
}

/// Where a round's files are: its data folder, the temporary folder its `centrebook` was given
/// (`TMPDIR`, where viewing folders go) and an output folder.
pub struct Round {
    pub data: PathBuf,
    pub tmp: PathBuf,
    pub out: PathBuf,
    /// The process was still running when it was killed (else it had finished first).
    pub killed: bool,
    /// What to print with a failed assertion: the round, the seed and the moment.
    pub what: String,
}

/// What the round's checks found the kill had interrupted.
pub enum Landed {
    /// Before the work changed anything.
    Before(&'static str),
    /// Inside the work: something the next open had to finish or undo, or a transaction that rolled back.
    Mid(&'static str),
    /// After the work was done (or the process finished before the kill).
    After(&'static str),
}

pub struct Harness {
    root: PathBuf,
    pristine: PathBuf,
    seed: u64,
    x: u64,
}

/// Held for a whole test: one operation at a time (set-up included), so a round's kill is timed
/// against a calibration made on a machine doing the same thing.
pub fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

impl Harness {
    /// A harness whose every round starts from a copy of the data folder `pristine` (under `root`,
    /// where the rounds go too).
    pub fn new(root: &Path, pristine: &Path) -> Harness {
        let seed = std::env::var("CENTREBOOK_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
        });
        Harness { root: root.to_owned(), pristine: pristine.to_owned(), seed, x: seed }
    }

    /// xorshift64: every moment is reproducible from the seed printed.
    fn next(&mut self) -> u64 {
        self.x ^= self.x << 13;
        self.x ^= self.x >> 7;
        self.x ^= self.x << 17;
        self.x
    }

    /// A fresh copy of the prepared folder, with its own temporary and output folders.
    fn fresh(&self, label: &str) -> (PathBuf, PathBuf, PathBuf) {
        let base = self.root.join(label);
        let _ = std::fs::remove_dir_all(&base);
        let (data, tmp, out) = (base.join("data"), base.join("tmp"), base.join("out"));
        copy_dir(&self.pristine, &data);
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        (data, tmp, out)
    }

    /// Runs the verb uninterrupted on a fresh copy: how long until its work starts, and how long the
    /// work then takes until the process exits.
    fn timed(&self, label: &str, op: &Op) -> (Duration, Duration) {
        let (data, tmp, _) = self.fresh(label);
        let spawned = Instant::now();
        let mut child = command(&data, &tmp, &op.verb).spawn().expect("run centrebook");
        let started = work_starts(&mut child, &data, op.start, spawned);
        let status = child.wait().unwrap();
        let ended = Instant::now();
        assert!(status.success(), "{label}: {:?} failed", op.verb.args);
        let started = started.unwrap_or_else(|| panic!("{label}: {:?} never signed in", op.verb.args));
        (started - spawned, ended - started)
    }

    /// Runs `op` for [`rounds`] rounds, each killed at a moment inside its work, and `check`s each.
    /// Prints the calibration and what the kills landed in; asserts that some landed mid-work.
    pub fn run(&mut self, op: &Op, mut check: impl FnMut(&Round) -> Landed) {
        let ((boot0, work0), (boot1, work1)) = (self.timed("whole-0", op), self.timed("whole-1", op));
        let work = ((work0 + work1) / 2).max(Duration::from_millis(1));
        println!(
            "{}: seed {} (CENTREBOOK_CRASH_SEED); start-up, unlock and sign-in {} ms, the work {} ms",
            op.name,
            self.seed,
            ((boot0 + boot1) / 2).as_millis(),
            work.as_millis()
        );

        let mut tally: BTreeMap<(u8, &'static str), u32> = BTreeMap::new();
        for number in 0..rounds() {
            let after = Duration::from_micros(self.next() % work.as_micros() as u64);
            let (data, tmp, out) = self.fresh(&format!("round-{number}"));
            let spawned = Instant::now();
            let mut child = command(&data, &tmp, &op.verb).spawn().expect("run centrebook");
            let killed = match work_starts(&mut child, &data, op.start, spawned) {
                Some(started) => kill_at(&mut child, started + after),
                None => {
                    child.wait().unwrap();
                    false
                }
            };
            let what = format!("{} round {number}, seed {}, killed {after:?} into the work", op.name, self.seed);
            let round = Round { data, tmp, out, killed, what };
            let landed = check(&round);
            no_plaintext(&round, &op.markers);
            let key = match landed {
                Landed::Before(w) => (0, w),
                Landed::Mid(w) => (1, w),
                Landed::After(w) => (2, w),
            };
            *tally.entry(key).or_default() += 1;
            let _ = std::fs::remove_dir_all(round.data.parent().unwrap());
        }
        let mid: u32 = tally.iter().filter(|((k, _), _)| *k == 1).map(|(_, n)| n).sum();
        println!("{}: {} rounds, {mid} killed mid-work", op.name, rounds());
        for ((k, w), n) in &tally {
            let when = ["before the work", "mid-work", "after the work"][*k as usize];
            println!("  {n:>4}  {when}: {w}");
        }
        assert!(mid > 0 || rounds() < 5, "{}: no kill landed inside the work; the calibration is off", op.name);
    }
}

/// When `child`'s work starts (see [`Start`]); `None` if it exited first.
fn work_starts(child: &mut Child, data: &Path, start: Start, spawned: Instant) -> Option<Instant> {
    let wal = data.join("centrebook.db-wal");
    loop {
        match start {
            Start::Process => return Some(spawned),
            Start::SignedIn if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) => return Some(Instant::now()),
            Start::SignedIn => {}
        }
        if child.try_wait().unwrap().is_some() {
            return None;
        }
        std::thread::sleep(Duration::from_micros(250));
    }
}

/// Sleeps until `at` and kills `child` if it is still running; reaps it either way.
fn kill_at(child: &mut Child, at: Instant) -> bool {
    // Sleep most of the way, then poll, so a child that finishes early is seen as finished.
    if let Some(rest) = at.checked_duration_since(Instant::now()).and_then(|d| d.checked_sub(Duration::from_millis(2)))
    {
        std::thread::sleep(rest);
    }
    while Instant::now() < at {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let killed = child.try_wait().unwrap().is_none();
    if killed {
        child.kill().unwrap();
    }
    child.wait().unwrap();
    killed
}

/// `centrebook` on `data` as the admin, with `tmp` as its temporary folder and no keychain.
fn command(data: &Path, tmp: &Path, verb: &Verb) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_centrebook"));
    cmd.arg("--data-dir").arg(data).args(&verb.args);
    for k in ["CENTREBOOK_PASSPHRASE", "CENTREBOOK_PASSWORD", "CENTREBOOK_USER", "CENTREBOOK_RECOVERY_KEY"] {
        cmd.env_remove(k);
    }
    cmd.env_remove("CENTREBOOK_DATA_DIR").env("CENTREBOOK_KEYCHAIN", "off");
    for var in ["TMPDIR", "TMP", "TEMP"] {
        cmd.env(var, tmp);
    }
    for (k, v) in AS_ADMIN.iter().copied().chain(verb.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

/// Runs a check's `centrebook` verb on the round's folder, as the admin unless `env` says otherwise.
pub fn cli(round: &Round, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut verb = Verb::new(args);
    verb.env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    command(&round.data, &round.tmp, &verb).stdout(Stdio::piped()).stderr(Stdio::piped()).output().unwrap()
}

/// Runs a `--json` verb that must succeed and parses what it printed.
pub fn cli_json(round: &Round, args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    let out = cli(round, &full, env);
    assert!(out.status.success(), "{}: {args:?}: {:?}", round.what, text(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{}: {args:?}: {e}", round.what))
}

/// The first open after the kill, through the same unlock every verb uses (it finishes a restore,
/// settles a rotation and undoes an import a kill left), then `audit verify`, which must pass.
/// Returns what the open said on standard error (its notes).
pub fn opens_and_verifies(round: &Round, env: &[(&str, &str)]) -> String {
    let out = cli(round, &["--json", "audit", "verify"], env);
    assert!(out.status.success(), "{}: the store does not open or verify: {:?}", round.what, text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["problems"].as_array().map(Vec::len), Some(0), "{}: {report}", round.what);
    text(&out).1
}

/// The audit actions about `entity`, newest first.
pub fn audit_actions(round: &Round, entity: &str) -> Vec<(String, String)> {
    let list = cli_json(round, &["audit", "list", "--entity", entity, "--limit", "1000"], &[]);
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["actor"].as_str().unwrap_or("").to_owned()))
        .collect()
}

/// Whether `centrebook unlock --check` opens the round's store with this one secret.
pub fn opens_with(round: &Round, var: &str, secret: &str) -> bool {
    let mut verb = Verb::new(&["unlock", "--check"]);
    verb.env.push((var.to_owned(), secret.to_owned()));
    let mut cmd = command(&round.data, &round.tmp, &verb);
    // Only this secret: not the admin's passphrase the harness passes by default.
    for k in ["CENTREBOOK_PASSPHRASE", "CENTREBOOK_RECOVERY_KEY"] {
        if k != var {
            cmd.env_remove(k);
        }
    }
    cmd.status().unwrap().success()
}

/// Every file under the round's data, temporary and output folders, read whole: none may hold a
/// marker (a name from the input, a secret), nor be a PDF (the certificates' are stored encrypted).
fn no_plaintext(round: &Round, markers: &[String]) {
    let mut all: Vec<String> = markers.to_vec();
    all.extend([PASSPHRASE.to_owned(), PASSWORD.to_owned(), "%PDF-".to_owned()]);
    for folder in [&round.data, &round.tmp, &round.out] {
        for file in files_under(folder) {
            let bytes = std::fs::read(&file).unwrap_or_default();
            for m in &all {
                assert!(
                    !bytes.windows(m.len()).any(|w| w == m.as_bytes()),
                    "{}: {} holds {m:?} in the clear",
                    round.what,
                    file.display()
                );
            }
        }
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let t = e.file_type().unwrap();
        if t.is_dir() {
            out.extend(files_under(&e.path()));
        } else if t.is_file() {
            out.push(e.path());
        }
    }
    out
}

/// Copies a data folder (no process has it open), keeping its files owner-only.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}
