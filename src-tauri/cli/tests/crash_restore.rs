//! `centrebook restore` killed (SIGKILL on Unix, TerminateProcess on Windows) at a random moment:
//! whatever it had done, the store opens afterwards, its audit chain is intact, and `init` will not
//! write over it.

mod common;

use std::time::{Duration, Instant};

use common::*;

/// Rounds per run; `CENTREBOOK_CRASH_ROUNDS` asks for more.
fn rounds() -> u32 {
    std::env::var("CENTREBOOK_CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(8)
}

#[test]
fn a_restore_killed_at_any_moment_leaves_a_store_that_opens() {
    let (tmp, dir, _) = initialised();
    // A backup of another store (another data key and key file): the case where a half-done swap
    // used to leave no database and a key file that `init` then wrote over.
    let (other_tmp, other, _) = initialised();
    let file = tmp.path().join("other.cbbackup");
    let made = centrebook(&other, &["backup", "--out", file.to_str().unwrap()], AS_ADMIN);
    assert!(made.status.success(), "{:?}", text(&made));
    drop(other_tmp);
    let restore = ["restore", file.to_str().unwrap()];

    // How long a whole restore takes here, so the kills land across all of it.
    let started = Instant::now();
    let whole = centrebook(&dir, &restore, AS_ADMIN);
    assert!(whole.status.success(), "{:?}", text(&whole));
    let span = started.elapsed().as_micros().max(1000) as u64;

    let seed = std::env::var("CENTREBOOK_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    });
    println!("seed {seed} (CENTREBOOK_CRASH_SEED), a whole restore takes {span} µs");
    let mut x = seed;
    let (mut killed, mut finished) = (0, 0);
    for round in 0..rounds() {
        // xorshift64: reproducible from the seed printed above.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let after = Duration::from_micros(x % span);
        let mut child = spawn(&dir, &restore, AS_ADMIN);
        std::thread::sleep(after);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        } else {
            finished += 1;
        }
        child.wait().unwrap();

        let what = format!("round {round}, seed {seed}, killed after {after:?}");
        let verify = centrebook(&dir, &["audit", "verify"], AS_ADMIN);
        assert!(verify.status.success(), "{what}: {:?}", text(&verify));
        assert!(!dir.join("centrebook.restore").exists(), "{what}: the open finished the journal");
        assert!(dir.join("centrebook.db").exists() && dir.join("centrebook.keys").exists(), "{what}");
        let init = centrebook(&dir, &["init", "--centre", "Another", "--admin", "admin"], AS_ADMIN);
        assert!(!init.status.success(), "{what}: init over a store");
    }
    println!("{killed} restores killed, {finished} finished before the kill");
}
