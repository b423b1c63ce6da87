//! Sharing: awarding-body submission bundles, trainers' field packs and results returns.
//!
//! Files are named only through native dialogs, never by the window: a command that reads or writes
//! one opens the dialog itself (`work::open_path`, `work::save_path`) and works off the main thread,
//! so no script in the window can make the app read or replace an arbitrary path. Debug builds used
//! by the end-to-end tests can answer the dialogs from environment variables instead:
//! `CENTREBOOK_TEST_SAVE_DIR` (a save dialog saves there under its suggested name) and
//! `CENTREBOOK_TEST_OPEN_<KIND>` (an open dialog for KIND returns that path). Release builds never
//! read them.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use centrebook_core::bundle::profile::BUILT_IN;
use centrebook_core::bundle::{
    Affected, BundleOptions, BundleProgress, BundleStage, BundleSummary, CreateReport, Profile, Verified, Waiting,
};
use centrebook_core::field::{
    centre_key_fingerprints, fingerprint, Conflict, Device, Exchange, FieldIdentity, FolderLaptop, FolderPack,
    FolderReturn, PackImport, PackSummary, Refusal, ReturnImport, ReturnSummary, RunOut, Take, WalkIn,
};
use centrebook_core::outfile::write_new;
use centrebook_core::{Error, Id, Permission, Zeroizing};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use super::work::{file_name, folder_path, off_main, open_path, save_path};
use crate::state::{AppState, UiError};

/// What the sharing screens keep between commands.
#[derive(Default)]
pub struct Sharing {
    /// The bundle file chosen for verifying (and the breach listing from a file).
    bundle_file: Mutex<Option<PathBuf>>,
    /// Set by Cancel; the bundle being made checks it between stages.
    cancel_bundle: AtomicBool,
}

/// How often progress is sent at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Kinds of file the open dialogs ask for: the dialog's title and filter, and the test variable.
#[derive(Clone, Copy)]
enum Kind {
    DeviceKey,
    CentreKey,
    FieldPack,
    Return,
    Bundle,
}

impl Kind {
    fn title(self) -> &'static str {
        match self {
            Kind::DeviceKey => "Choose the laptop's device-key file",
            Kind::CentreKey => "Choose the centre-key file from the office",
            Kind::FieldPack => "Choose a field pack",
            Kind::Return => "Choose a results return",
            Kind::Bundle => "Choose a submission bundle",
        }
    }

    fn filter(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Kind::DeviceKey | Kind::CentreKey => ("Centrebook key file", &["key", "json"]),
            Kind::FieldPack => ("Centrebook field pack", &["cbf"]),
            Kind::Return => ("Centrebook results return", &["cbr"]),
            Kind::Bundle => ("Submission bundle", &["zip", "cbz"]),
        }
    }

    /// The variable debug builds read instead of asking (see [`open_path`]).
    fn test_var(self) -> &'static str {
        match self {
            Kind::DeviceKey => "CENTREBOOK_TEST_OPEN_DEVICE_KEY",
            Kind::CentreKey => "CENTREBOOK_TEST_OPEN_CENTRE_KEY",
            Kind::FieldPack => "CENTREBOOK_TEST_OPEN_FIELD_PACK",
            Kind::Return => "CENTREBOOK_TEST_OPEN_RETURN",
            Kind::Bundle => "CENTREBOOK_TEST_OPEN_BUNDLE",
        }
    }
}

/// Asks for a file of `kind` to open; `None` when the dialog was cancelled. Call off the main thread.
fn pick(app: &AppHandle, kind: Kind) -> Result<Option<PathBuf>, UiError> {
    open_path(app, kind.title(), kind.filter(), kind.test_var())
}

fn read(path: &Path) -> Result<Vec<u8>, UiError> {
    std::fs::read(path).map_err(|source| Error::Io { action: "read", path: path.to_path_buf(), source }.into())
}

fn read_text(path: &Path) -> Result<String, UiError> {
    String::from_utf8(read(path)?).map_err(|_| {
        UiError::from(Error::Invalid { field: "file", reason: "is not a key file (it is not text)".into() })
    })
}

fn stamp() -> String {
    chrono::Local::now().format("%Y-%m-%d-%H%M%S").to_string()
}

/// A file written, for the window to say where.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Saved {
    /// The whole path, to show.
    pub path: String,
    /// Its name.
    pub name: String,
}

impl Saved {
    fn of(path: &Path) -> Saved {
        Saved { path: path.display().to_string(), name: file_name(path) }
    }
}

// ---------------------------------------------------------------------------------------------
// Submissions

/// A built-in submission profile, as the window offers it.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ProfileChoice {
    pub name: String,
    pub title: String,
    /// The awarding body's code; `None` for the generic profile (the body is chosen with it).
    pub awarding_body: Option<String>,
}

fn profile(name: &str) -> Result<Profile, UiError> {
    Ok(Profile::built_in(name)?)
}

/// The built-in profiles (admins).
#[tauri::command]
pub async fn bundle_profiles(state: State<'_, AppState>) -> Result<Vec<ProfileChoice>, UiError> {
    state.with(move |_, a| a.require(Permission::Submit)).await?;
    BUILT_IN
        .iter()
        .map(|(n, _)| {
            let p = profile(n)?;
            Ok(ProfileChoice { name: p.name, title: p.title, awarding_body: p.awarding_body })
        })
        .collect()
}

/// How many results a bundle of `profile` would take now, and how many wait for a correction.
#[tauri::command]
pub async fn bundle_waiting(
    state: State<'_, AppState>,
    profile: String,
    body: Option<String>,
) -> Result<Waiting, UiError> {
    let p = self::profile(&profile)?;
    state.with(move |s, a| s.bundle_waiting(a, &p, body.as_deref())).await
}

/// Makes a bundle: asks where to save it, then gathers, fits photos, seals and records it off the
/// main thread, reporting progress. `None` when the dialog or the work was cancelled (nothing is
/// written then). The password, if any, is wiped from memory when done.
#[tauri::command]
pub async fn create_bundle(
    app: AppHandle,
    profile: String,
    body: Option<String>,
    correction: bool,
    password: Option<String>,
    progress: Channel<BundleProgress>,
) -> Result<Option<CreateReport>, UiError> {
    let password = password.filter(|p| !p.is_empty()).map(Zeroizing::new);
    off_main(app, move |app, state| {
        let p = self::profile(&profile)?;
        // Refused before the dialog opens, not after someone has chosen where to save.
        state.with_now(|_, a| a.require(Permission::Submit))?;
        let kind = if correction { "correction" } else { "submission" };
        let name = format!("{}-{kind}-{}.zip", p.name, stamp());
        let Some(out) = save_path(app, "Save the submission bundle", None, name, ("Submission bundle", &["zip"]))?
        else {
            return Ok(None);
        };
        let sharing = app.state::<Sharing>();
        sharing.cancel_bundle.store(false, Ordering::SeqCst);
        let mut last = Instant::now() - PROGRESS_EVERY;
        let mut watch = |pr: BundleProgress| {
            if sharing.cancel_bundle.load(Ordering::SeqCst) {
                return ControlFlow::Break(());
            }
            if pr.stage != BundleStage::Photos || pr.done == pr.total || last.elapsed() >= PROGRESS_EVERY {
                last = Instant::now();
                let _ = progress.send(pr);
            }
            ControlFlow::Continue(())
        };
        let opts =
            BundleOptions { body: body.as_deref(), correction, password: password.as_ref().map(|p| p.as_bytes()) };
        state.job()?.with(|s, a| match s.create_bundle_watched(a, &p, &opts, &out, &mut watch) {
            Err(Error::Cancelled) => Ok(None),
            done => done.map(Some),
        })
    })
    .await
}

/// Stops the bundle being made at its next stage.
#[tauri::command]
pub fn cancel_bundle(sharing: State<'_, Sharing>) {
    sharing.cancel_bundle.store(true, Ordering::SeqCst);
}

/// Submissions made, newest first.
#[tauri::command]
pub async fn bundles(state: State<'_, AppState>) -> Result<Vec<BundleSummary>, UiError> {
    state.with(move |s, a| s.bundles(a)).await
}

#[tauri::command]
pub async fn mark_bundle_sent(state: State<'_, AppState>, id: Id) -> Result<BundleSummary, UiError> {
    state.with(move |s, a| s.mark_bundle_sent(a, id)).await
}

#[tauri::command]
pub async fn mark_bundle_acknowledged(
    state: State<'_, AppState>,
    id: Id,
    reference: Option<String>,
) -> Result<BundleSummary, UiError> {
    state.with(move |s, a| s.mark_bundle_acknowledged(a, id, reference.as_deref())).await
}

/// Everyone a bundle disclosed and which of their fields (admins; the look-up is audited).
#[tauri::command]
pub async fn bundle_affected(state: State<'_, AppState>, id: Id) -> Result<Affected, UiError> {
    state.with(move |s, a| s.bundle_affected(a, id)).await
}

/// Saves a bundle's breach list as CSV (cells a spreadsheet would run as formulas are neutralised).
/// `None` when the dialog was cancelled.
#[tauri::command]
pub async fn save_affected_csv(app: AppHandle, id: Id) -> Result<Option<Saved>, UiError> {
    off_main(app, move |app, state| {
        state.with_now(|_, a| a.require(Permission::Submit))?;
        let name = format!("affected-by-bundle-{id}.csv");
        let Some(out) = save_path(app, "Save the list of people affected", None, name, ("CSV", &["csv"]))? else {
            return Ok(None);
        };
        state.with_now(|s, a| s.save_bundle_affected(a, id, &out))?;
        Ok(Some(Saved::of(&out)))
    })
    .await
}

/// Asks for a bundle file and remembers it for [`verify_bundle_file`]. Its name, or `None`.
#[tauri::command]
pub async fn choose_bundle_file(app: AppHandle) -> Result<Option<String>, UiError> {
    off_main(app, |app, state| {
        state.with_now(|_, a| a.require(Permission::EditRecords))?;
        let path = pick(app, Kind::Bundle)?;
        let name = path.as_deref().map(file_name);
        if let Ok(mut slot) = app.state::<Sharing>().bundle_file.lock() {
            *slot = path;
        }
        Ok(name)
    })
    .await
}

/// Re-opens the chosen bundle file and checks everything (signature, each file's hash, limits,
/// paths, that it is this centre's).
#[tauri::command]
pub async fn verify_bundle_file(app: AppHandle, password: Option<String>) -> Result<Verified, UiError> {
    let password = password.filter(|p| !p.is_empty()).map(Zeroizing::new);
    off_main(app, move |app, state| {
        let path = app
            .state::<Sharing>()
            .bundle_file
            .lock()
            .map_err(|_| UiError::internal())?
            .clone()
            .ok_or_else(|| UiError::other("choose a bundle file first"))?;
        let bytes = read(&path)?;
        state.job()?.with(|s, a| s.verify_bundle(a, &bytes, password.as_ref().map(|p| p.as_bytes())))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Field work, office side

/// The centre-key file written, with the fingerprints of its signing keys for the laptop's screen.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CentreKeySaved {
    pub saved: Saved,
    pub fingerprints: Vec<String>,
}

/// Writes the centre-key file laptops are enrolled with (admins). `None` when the dialog was cancelled.
#[tauri::command]
pub async fn save_centre_key(app: AppHandle) -> Result<Option<CentreKeySaved>, UiError> {
    off_main(app, |app, state| {
        state.with_now(|_, a| a.require(Permission::ManageKeys))?;
        let name = "centrebook-centre.key".to_owned();
        let Some(out) = save_path(app, "Save the centre-key file", None, name, ("Centrebook key file", &["key"]))?
        else {
            return Ok(None);
        };
        let text = state.with_now(|s, a| s.field_centre_key(a))?;
        write_new(&out, text.as_bytes())?;
        Ok(Some(CentreKeySaved { saved: Saved::of(&out), fingerprints: centre_key_fingerprints(&text)? }))
    })
    .await
}

/// Trainers' laptops registered here.
#[tauri::command]
pub async fn field_devices(state: State<'_, AppState>) -> Result<Vec<Device>, UiError> {
    state.with(move |s, a| s.field_devices(a)).await
}

/// Registers a trainer's laptop from its device-key file, chosen in a dialog (admins). `None` when
/// the dialog was cancelled.
#[tauri::command]
pub async fn register_field_device(app: AppHandle, trainer: Id) -> Result<Option<Device>, UiError> {
    off_main(app, move |app, state| {
        state.with_now(|_, a| a.require(Permission::ManageKeys))?;
        let Some(path) = pick(app, Kind::DeviceKey)? else { return Ok(None) };
        let text = read_text(&path)?;
        state.with_now(|s, a| s.register_field_device(a, trainer, &text)).map(Some)
    })
    .await
}

#[tauri::command]
pub async fn revoke_field_device(state: State<'_, AppState>, id: String) -> Result<Device, UiError> {
    state.with(move |s, a| s.revoke_field_device(a, &id)).await
}

/// A field pack written.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PackSaved {
    pub saved: Saved,
    pub summary: PackSummary,
}

/// Exports a field pack of `runs` for their trainer's laptop (`device`, or the only one). `None`
/// when the dialog was cancelled.
#[tauri::command]
pub async fn export_field_pack(
    app: AppHandle,
    runs: Vec<Id>,
    device: Option<String>,
) -> Result<Option<PackSaved>, UiError> {
    off_main(app, move |app, state| {
        state.with_now(|_, a| a.require(Permission::EditRecords))?;
        if runs.is_empty() {
            return Err(Error::Invalid { field: "runs", reason: "choose at least one course run".into() }.into());
        }
        let name = format!("fieldpack-{}.cbf", stamp());
        let Some(out) = save_path(app, "Save the field pack", None, name, ("Centrebook field pack", &["cbf"]))? else {
            return Ok(None);
        };
        let (bytes, summary) = state.job()?.with(|s, a| s.export_field_pack(a, &runs, device.as_deref()))?;
        write_new(&out, &bytes)?;
        Ok(Some(PackSaved { saved: Saved::of(&out), summary }))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Field mode, on the trainer's laptop

/// This laptop's identity when the store is a trainer's field store; `None` at the office.
#[tauri::command]
pub async fn field_status(state: State<'_, AppState>) -> Result<Option<FieldIdentity>, UiError> {
    state
        .with(move |s, a| match s.field_identity(a) {
            Err(Error::Field(Refusal::NotAFieldStore)) => Ok(None),
            other => other.map(Some),
        })
        .await
}

/// The fingerprints of the centre's signing keys as this laptop trusts them.
#[tauri::command]
pub async fn trusted_centre_fingerprints(state: State<'_, AppState>) -> Result<Vec<String>, UiError> {
    state
        .with(move |s, a| Ok(s.field_identity(a)?.centre.signing_key_ids.iter().map(|k| fingerprint(k)).collect()))
        .await
}

/// Makes this store a field store for the centre whose key file is chosen in a dialog. `None` when
/// the dialog was cancelled.
#[tauri::command]
pub async fn field_enrol(app: AppHandle, label: String) -> Result<Option<FieldIdentity>, UiError> {
    off_main(app, move |app, state| {
        state.with_now(|_, a| a.require(Permission::ManageKeys))?;
        let Some(path) = pick(app, Kind::CentreKey)? else { return Ok(None) };
        let text = read_text(&path)?;
        let who = state.with_now(|s, a| s.field_enrol(a, &text, &label))?;
        // The store is a laptop now, and its user a laptop's.
        state.refresh_actor_now()?;
        Ok(Some(who))
    })
    .await
}

/// Writes this laptop's device-key file (public keys) for the office to register.
#[tauri::command]
pub async fn save_device_key(app: AppHandle) -> Result<Option<Saved>, UiError> {
    off_main(app, |app, state| {
        let text = state.with_now(|s, a| s.field_device_key(a))?;
        let name = "centrebook-device.key".to_owned();
        let Some(out) = save_path(app, "Save this laptop's device key", None, name, ("Centrebook key file", &["key"]))?
        else {
            return Ok(None);
        };
        write_new(&out, text.as_bytes())?;
        Ok(Some(Saved::of(&out)))
    })
    .await
}

/// Imports a field pack chosen in a dialog. `None` when the dialog was cancelled.
#[tauri::command]
pub async fn import_field_pack(app: AppHandle, replace: bool) -> Result<Option<PackImport>, UiError> {
    off_main(app, move |app, state| {
        state.with_now(|_, a| a.require(Permission::FieldWork))?;
        let Some(path) = pick(app, Kind::FieldPack)? else { return Ok(None) };
        let bytes = read(&path)?;
        state.job()?.with(|s, a| s.import_field_pack(a, &bytes, replace)).map(Some)
    })
    .await
}

/// A return written.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReturnSaved {
    pub saved: Saved,
    pub summary: ReturnSummary,
}

/// Exports a results return: everything recorded here since the packs. `None` when the dialog was
/// cancelled.
#[tauri::command]
pub async fn export_return(app: AppHandle) -> Result<Option<ReturnSaved>, UiError> {
    off_main(app, |app, state| {
        state.with_now(|_, a| a.require(Permission::FieldWork))?;
        let name = format!("return-{}.cbr", stamp());
        let Some(out) = save_path(app, "Save the results return", None, name, ("Centrebook results return", &["cbr"]))?
        else {
            return Ok(None);
        };
        let (bytes, summary) = state.job()?.with(|s, a| s.export_return(a))?;
        write_new(&out, &bytes)?;
        Ok(Some(ReturnSaved { saved: Saved::of(&out), summary }))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Returns, at the office

/// A return applied (or found applied before), with the file's name.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReturnImported {
    pub file: String,
    pub outcome: ReturnImport,
}

/// Imports a results return chosen in a dialog, off the main thread: checked, then applied in one
/// transaction with conflicts held. `None` when the dialog was cancelled.
#[tauri::command]
pub async fn import_return(app: AppHandle) -> Result<Option<ReturnImported>, UiError> {
    off_main(app, |app, state| {
        state.with_now(|_, a| a.require(Permission::EditRecords))?;
        let Some(path) = pick(app, Kind::Return)? else { return Ok(None) };
        let bytes = read(&path)?;
        let outcome = state.job()?.with(|s, a| s.import_return(a, &bytes))?;
        Ok(Some(ReturnImported { file: file_name(&path), outcome }))
    })
    .await
}

/// Conflicts held from returns: open ones, or all with `all`.
#[tauri::command]
pub async fn field_conflicts(state: State<'_, AppState>, all: bool) -> Result<Vec<Conflict>, UiError> {
    state.with(move |s, a| s.field_conflicts(a, all)).await
}

/// Decides a conflict: keep the office's value, or apply the trainer's.
#[tauri::command]
pub async fn resolve_field_conflict(state: State<'_, AppState>, id: Id, take: Take) -> Result<Conflict, UiError> {
    state.with(move |s, a| s.resolve_field_conflict(a, id, take)).await
}

/// On a trainer's laptop: adds a walk-in to a packed run (the next return carries them).
#[tauri::command]
pub async fn add_walk_in(
    state: State<'_, AppState>,
    run: Id,
    person: WalkIn,
) -> Result<centrebook_core::records::Enrolment, UiError> {
    state.with(move |s, a| s.add_walk_in(a, run, &person)).await
}

// ---------------------------------------------------------------------------------------------
// The exchange folder: one folder (a USB stick, a synced folder) both sides choose once, where
// every field file is left for the other side under a name that says what it is and whom it is for.

/// The exchange folder chosen for this store, if any.
#[tauri::command]
pub async fn exchange_folder(state: State<'_, AppState>) -> Result<Option<String>, UiError> {
    state.with(move |s, _| Ok(s.exchange_folder()?.map(|p| p.display().to_string()))).await
}

/// Asks for the exchange folder and keeps it (at the office an admin's choice also leaves the
/// centre key there). `None` when the dialog was cancelled.
#[tauri::command]
pub async fn choose_exchange_folder(app: AppHandle) -> Result<Option<Exchange>, UiError> {
    off_main(app, |app, state| {
        state.with_now(|_, a| a.require(Permission::FieldWork))?;
        let current = state.with_now(|s, _| s.exchange_folder())?;
        let Some(folder) = folder_path(app, "Choose the exchange folder (a USB stick or a shared folder)", current)?
        else {
            return Ok(None);
        };
        state.with_now(|s, a| s.set_exchange_folder(a, &folder)).map(Some)
    })
    .await
}

/// Laptops whose keys wait in the exchange folder, with whom each is registered to (office).
#[tauri::command]
pub async fn folder_laptops(state: State<'_, AppState>) -> Result<Vec<FolderLaptop>, UiError> {
    state
        .with(move |s, a| match s.exchange_folder()? {
            Some(folder) => s.laptops_in(a, &folder),
            None => Ok(Vec::new()),
        })
        .await
}

/// Registers for `trainer` the laptop whose key is in the exchange folder (admins).
#[tauri::command]
pub async fn register_folder_laptop(
    state: State<'_, AppState>,
    trainer: Id,
    device: String,
) -> Result<Device, UiError> {
    state.with(move |s, a| s.register_laptop_in(a, trainer, &s.chosen_exchange_folder()?, &device)).await
}

/// Exports a field pack of `runs` into the exchange folder, named for its laptop.
#[tauri::command]
pub async fn export_field_pack_to_folder(
    app: AppHandle,
    runs: Vec<Id>,
    device: Option<String>,
) -> Result<PackSaved, UiError> {
    off_main(app, move |_, state| {
        let (path, summary) = state.job()?.with(|s, a| {
            let folder = s.chosen_exchange_folder()?;
            s.export_field_pack_in(a, &runs, device.as_deref(), &folder)
        })?;
        Ok(PackSaved { saved: Saved::of(&path), summary })
    })
    .await
}

/// Imports this laptop's field packs from the exchange folder, oldest first.
#[tauri::command]
pub async fn import_packs_from_folder(app: AppHandle, replace: bool) -> Result<Vec<FolderPack>, UiError> {
    off_main(app, move |_, state| {
        state.job()?.with(|s, a| {
            let folder = s.chosen_exchange_folder()?;
            s.import_field_packs_in(a, &folder, replace)
        })
    })
    .await
}

/// Writes the results return into the exchange folder.
#[tauri::command]
pub async fn export_return_to_folder(app: AppHandle) -> Result<ReturnSaved, UiError> {
    off_main(app, |_, state| {
        let (path, summary) = state.job()?.with(|s, a| {
            let folder = s.chosen_exchange_folder()?;
            s.export_return_in(a, &folder)
        })?;
        Ok(ReturnSaved { saved: Saved::of(&path), summary })
    })
    .await
}

/// Imports every return in the exchange folder (office): those applied before change nothing.
#[tauri::command]
pub async fn import_returns_from_folder(app: AppHandle) -> Result<Vec<FolderReturn>, UiError> {
    off_main(app, |_, state| {
        state.job()?.with(|s, a| {
            let folder = s.chosen_exchange_folder()?;
            s.import_returns_in(a, &folder)
        })
    })
    .await
}

/// The course runs out on a trainer's laptop now (office).
#[tauri::command]
pub async fn runs_out(state: State<'_, AppState>) -> Result<Vec<RunOut>, UiError> {
    state.with(move |s, a| s.runs_out(a)).await
}
