//! The app's state: the data folder, the keychain, the unlocked store and the signed-in user, all
//! behind one mutex; the one place commands reach the store from, off the main thread; and the error
//! type every command returns.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use centrebook_core::viewing::Viewing;
use centrebook_core::{Actor, DataDir, Error, Keychain, Store, Unlocked};
use serde::Serialize;

/// Signed-in users are signed out after this long without a command (the window also locks itself;
/// this is the backstop). `CENTREBOOK_IDLE_LOCK_SECS` overrides it.
const IDLE_LOCK: Duration = Duration::from_secs(15 * 60);

/// What the window holds between commands.
#[derive(Default)]
pub struct Session {
    /// The open store, once unlocked.
    pub unlocked: Option<Unlocked>,
    /// The signed-in user.
    pub actor: Option<Actor>,
    /// Whether the silent keychain unlock was tried.
    pub tried_keychain: bool,
    /// The last command a signed-in user made.
    pub last_used: Option<Instant>,
    /// Why an admin's change ended the last session, until the next sign-in: every command answers
    /// with it, so the window hears the reason whichever of its concurrent answers arrives first.
    pub ended_because: Option<&'static str>,
}

/// The Tauri-managed state.
pub struct AppState {
    pub dir: Result<DataDir, String>,
    pub keychain: Keychain,
    pub idle_lock: Duration,
    /// The private folder "Open PDF" writes into: removed at sign-out, the idle lock and exit.
    pub viewing: Arc<Viewing>,
    // Shared with the blocking threads commands run on, which outlive the borrow of a command's State.
    session: Arc<Mutex<Session>>,
}

impl AppState {
    /// Honours `CENTREBOOK_DATA_DIR` and `CENTREBOOK_KEYCHAIN` like the command line.
    pub fn from_env() -> Self {
        let idle_lock = std::env::var("CENTREBOOK_IDLE_LOCK_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(IDLE_LOCK);
        let dir = DataDir::from_env_or_default();
        if let Ok(dir) = &dir {
            // A bundle or export killed mid-write is found and removed at the next open.
            centrebook_core::outfile::note_folders_in(dir.path());
        }
        AppState {
            dir: dir.map_err(|e| e.to_string()),
            keychain: Keychain::from_env(),
            idle_lock,
            viewing: Arc::new(Viewing::in_temp()),
            session: Arc::new(Mutex::new(Session::default())),
        }
    }

    /// The session, locked. Call it off the main thread: a command may hold it for a while.
    pub fn session(&self) -> Result<MutexGuard<'_, Session>, UiError> {
        lock(&self.session)
    }

    /// Runs `f` with the open store and the signed-in user on a blocking thread, never the main
    /// thread (which paints the window): the body of nearly every command, as
    /// `state.with(move |s, a| s.something(a, &input)).await`.
    pub async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store, &Actor) -> centrebook_core::Result<T> + Send + 'static,
    ) -> Result<T, UiError> {
        let (session, viewing, idle_lock) = (Arc::clone(&self.session), Arc::clone(&self.viewing), self.idle_lock);
        tauri::async_runtime::spawn_blocking(move || signed_in(&session, &viewing, idle_lock, f))
            .await
            .map_err(|_| UiError::internal())?
    }

    /// [`AppState::with`] for code already on a blocking thread (inside `work::off_main`).
    pub fn with_now<T>(&self, f: impl FnOnce(&mut Store, &Actor) -> centrebook_core::Result<T>) -> Result<T, UiError> {
        signed_in(&self.session, &self.viewing, self.idle_lock, f)
    }

    /// Reads the signed-in user again from the store (it has just become a trainer's laptop, which
    /// limits what they may do). Call it off the main thread.
    pub fn refresh_actor_now(&self) -> Result<(), UiError> {
        let mut s = self.session()?;
        let Session { unlocked, actor, .. } = &mut *s;
        let fresh = match (unlocked.as_ref(), actor.as_ref()) {
            (Some(u), Some(a)) => Some(u.store.refresh(a)?),
            _ => None,
        };
        if fresh.is_some() {
            *actor = fresh;
        }
        Ok(())
    }

    /// Signs the user out: no one is signed in, and the PDFs opened for viewing are removed.
    pub fn end_session(&self, s: &mut Session) {
        s.actor = None;
        s.last_used = None;
        s.ended_because = None;
        let _ = self.viewing.clear();
        // The audit anchor follows the last write now, not at the next write or the close.
        if let Some(u) = s.unlocked.as_mut() {
            let _ = u.store.settle_anchor();
        }
    }

    /// A long job's own connection to the store and a copy of the signed-in user, so an import, a
    /// batch or a bundle never holds the session: every other command goes on beside it (WAL lets
    /// readers run beside a writer). Call it off the main thread.
    pub fn job(&self) -> Result<Job, UiError> {
        self.with_now(|s, a| Ok(Job { store: s.reopen()?, actor: a.clone() }))
    }
}

/// A long job's own store connection and the user who started it (see [`AppState::job`]).
pub struct Job {
    store: Store,
    actor: Actor,
}

impl Job {
    /// Runs `f` with the job's store and user, like [`AppState::with`], [`lowered`].
    pub fn with<T: Send>(
        &mut self,
        f: impl FnOnce(&mut Store, &Actor) -> centrebook_core::Result<T> + Send,
    ) -> Result<T, UiError> {
        let (store, actor) = (&mut self.store, &self.actor);
        lowered(move || f(store, actor))?.map_err(UiError::from)
    }
}

/// Runs `f` on a thread of its own at the lowest priority the system gives an ordinary thread, and
/// waits for it: a long job takes the CPU the window leaves, so on a busy laptop the window goes
/// first. (On the two-core machine of issue 17's figures a core was left idle during an import, and
/// it made no difference there.) Its own thread, because a lowered priority cannot be raised again
/// without privileges, and the blocking pool's threads are reused.
fn lowered<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T, UiError> {
    std::thread::scope(|scope| {
        let job = std::thread::Builder::new().name("centrebook-job".into()).spawn_scoped(scope, || {
            // Refused (some sandbox), the job runs at the ordinary priority: slower beside the window, not wrong.
            let _ = thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min);
            f()
        });
        job.map_err(|_| UiError::internal())?.join().map_err(|_| UiError::internal())
    })
}

fn lock(session: &Mutex<Session>) -> Result<MutexGuard<'_, Session>, UiError> {
    session.lock().map_err(|_| UiError::internal())
}

/// The store and the signed-in user, once the idle lock has been applied; the session is held while
/// `f` runs.
fn signed_in<T>(
    session: &Mutex<Session>,
    viewing: &Viewing,
    idle_lock: Duration,
    f: impl FnOnce(&mut Store, &Actor) -> centrebook_core::Result<T>,
) -> Result<T, UiError> {
    let mut s = lock(session)?;
    let idle = s.last_used.is_some_and(|t| t.elapsed() > idle_lock);
    if idle {
        s.actor = None;
        s.ended_because = None;
        // The idle lock ends the session: what it opened for viewing goes with it.
        let _ = viewing.clear();
    }
    s.last_used = Some(Instant::now());
    let Session { unlocked, actor, ended_because, .. } = &mut *s;
    let store = &mut unlocked.as_mut().ok_or_else(UiError::locked)?.store;
    let signed_in = actor.as_ref().ok_or_else(|| UiError::signed_out(*ended_because))?;
    // The account as the store has it now: an admin's change (disabled, another role, a reset
    // password) ends this session here, at its next action; the core says why.
    match store.refresh(signed_in) {
        Ok(fresh) => *actor = Some(fresh),
        Err(Error::SignedOut(why)) => {
            *actor = None;
            *ended_because = Some(why);
            let _ = viewing.clear();
            return Err(Error::SignedOut(why).into());
        }
        Err(e) => return Err(e.into()),
    }
    let actor = actor.as_ref().ok_or_else(UiError::internal)?;
    f(store, actor).map_err(UiError::from)
}

/// An error as the window shows it: the core's message, and for bad input the field it is about, so
/// the form can show it beside that field.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct UiError {
    pub kind: ErrorKind,
    /// Readable, with no personal data.
    pub message: String,
    /// For `invalid`: the field, as the core names it (e.g. "NI number").
    #[ts(type = "string | null")]
    pub field: Option<&'static str>,
    /// For `invalid`: what is wrong with it, without the field's name. For `signed_out`: why, when an
    /// admin's change to the account ended the session (none for the idle lock).
    pub reason: Option<String>,
}

/// What kind of failure, so the window can choose how to show it (beside a field, as a sign-in
/// prompt, as a banner).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorKind {
    Invalid,
    Forbidden,
    NotFound,
    Duplicate,
    Locked,
    /// The session ended (idle, or an admin changed the account): the window returns to sign-in.
    SignedOut,
    /// Signed in with a reset password: the window asks for a new one.
    PasswordChange,
    Credentials,
    Busy,
    /// Over a run's places (its capacity, or its trainers times the course's ratio): nothing enrolled.
    OverCapacity,
    /// The run's calendar does not allow it yet (results before the assessment day, attendance
    /// before its day, a certificate before the course ends): shown where it was tried, with the day.
    NotYet,
    /// A file could not be read or written (a full disk, a missing folder): worth trying again.
    Io,
    /// A bug in Centrebook, not the user's doing: retrying will not help; the message asks for a report.
    Internal,
    Other,
}

impl UiError {
    pub fn other(message: impl Into<String>) -> Self {
        UiError { kind: ErrorKind::Other, message: message.into(), field: None, reason: None }
    }

    /// The app's own broken promise (a worker thread gone, a poisoned lock): a bug, like the core's
    /// `Error::Internal`, and shown the same way.
    pub fn internal() -> Self {
        UiError {
            kind: ErrorKind::Internal,
            message: "the app hit an internal error; restart it, and please report it".into(),
            field: None,
            reason: None,
        }
    }

    pub fn locked() -> Self {
        UiError { kind: ErrorKind::Locked, message: "the store is locked".into(), field: None, reason: None }
    }

    /// No one is signed in; `because` an admin's change ended the session, when it did.
    pub fn signed_out(because: Option<&'static str>) -> Self {
        UiError {
            kind: ErrorKind::SignedOut,
            message: "you have been signed out; sign in again".into(),
            field: None,
            reason: because.map(Into::into),
        }
    }
}

impl From<Error> for UiError {
    fn from(e: Error) -> Self {
        let message = e.to_string();
        let kind = match &e {
            Error::Invalid { field, reason } => {
                return UiError { kind: ErrorKind::Invalid, message, field: Some(field), reason: Some(reason.clone()) }
            }
            Error::Forbidden { .. } | Error::OfficeOnly { .. } | Error::IdentityKeyNotGranted => ErrorKind::Forbidden,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Duplicate { .. } => ErrorKind::Duplicate,
            Error::BadCredentials | Error::LoginThrottled { .. } | Error::AccountDisabled => ErrorKind::Credentials,
            // The reason goes with it, so sign-in can say why (not the idle lock's wording).
            Error::SignedOut(why) => {
                return UiError { kind: ErrorKind::SignedOut, message, field: None, reason: Some((*why).into()) }
            }
            Error::PasswordChangeRequired => ErrorKind::PasswordChange,
            Error::WrongPassphrase | Error::WrongRecoveryKey | Error::MalformedRecoveryKey(_) => ErrorKind::Credentials,
            Error::Busy(_) => ErrorKind::Busy,
            // Carried to the run's places field, the reason (which limit) beside it.
            Error::OverCapacity { why, .. } => {
                return UiError {
                    kind: ErrorKind::OverCapacity,
                    message,
                    field: Some("places"),
                    reason: Some(why.clone()),
                }
            }
            Error::NotYet { .. } => ErrorKind::NotYet,
            Error::Io { .. } => ErrorKind::Io,
            Error::Internal(_) => ErrorKind::Internal,
            // No `_` arm: a new core variant does not compile until it is given a kind here.
            Error::NotInitialised(_)
            | Error::AlreadyInitialised(_)
            | Error::InitRefused { .. }
            | Error::KeychainEntryMissing
            | Error::SecretNeeded
            | Error::CorruptKeyFile { .. }
            | Error::CorruptStore { .. }
            | Error::NewerSchema { .. }
            | Error::BadBackup { .. }
            | Error::BehindAnchor(_)
            | Error::UnderLegalHold
            | Error::Db(_)
            | Error::Crypto(_)
            | Error::Encode { .. }
            | Error::Cancelled
            | Error::Sealed(_)
            | Error::Field(_) => ErrorKind::Other,
        };
        UiError { kind, message, field: None, reason: None }
    }
}

#[cfg(test)]
mod tests {
    /// The niceness of the calling thread, from the kernel's own account of it.
    #[cfg(target_os = "linux")]
    fn niceness() -> i64 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        // The fields after the command's closing parenthesis; the nice value is the 19th of the line.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        after.split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_long_job_runs_at_the_lowest_priority_and_leaves_the_callers_alone() {
        let before = niceness();
        let inside = super::lowered(niceness).unwrap();
        assert_eq!(inside, 19, "the job's thread");
        assert_eq!(niceness(), before, "the caller's thread is as it was");
    }
}
