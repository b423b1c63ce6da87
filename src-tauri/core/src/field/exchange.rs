//! The exchange folder: one folder both sides choose once (a USB stick carried between them, or a
//! folder a sync service keeps in step) where every file of field work is left for the other side,
//! under names that say what each is and whom it is for, so nobody carries or picks single files:
//!
//! ```text
//!  centrebook-centre.key                  office → laptop  the centre's public keys (enrolment)
//!  laptop-<device>.key                    laptop → office  a laptop's public keys (registration)
//!  fieldpack-<device>-<pack id>.cbf       office → laptop  a pack, encrypted to that laptop
//!  return-<device>-<number>.cbr           laptop → office  a return, encrypted to the centre
//! ```
//!
//! `<device>` is the laptop's device id. Pack ids are time-ordered and return numbers count up, so
//! the names sort oldest first. The files are the same ones the single-file verbs write; everything
//! read from the folder is checked exactly as a file chosen by hand would be (signatures, the right
//! centre and laptop): a folder anyone can write to gives them no more than handing over a file.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::keys::{self, FieldIdentity};
use super::pack::PackSummary;
use super::returns::{ReturnImport, ReturnSummary};
use super::{centre_key_fingerprints, from_json, PackImport};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::outfile::{replace, write_new};
use crate::{store, Error, Id, Result, Store, StoreKind};

/// The centre-key file's name in the folder.
pub const CENTRE_KEY: &str = "centrebook-centre.key";
const FOLDER_KEY: &str = "exchange_folder";

fn device_key_name(device: &str) -> String {
    format!("laptop-{device}.key")
}

fn pack_name(device: &str, pack: Id) -> String {
    format!("fieldpack-{device}-{pack}.cbf")
}

fn return_name(device: &str, seq: i64) -> String {
    format!("return-{device}-{seq:06}.cbr")
}

/// The folder's files whose names start with `prefix` and end with `suffix`, oldest first.
fn files(folder: &Path, prefix: &str, suffix: &str) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(Error::io("read", folder))? {
        let entry = entry.map_err(Error::io("read", folder))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(prefix) && name.ends_with(suffix) && entry.path().is_file() {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

fn name_of(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(Error::io("read", path))
}

fn read_text(path: &Path) -> Result<String> {
    String::from_utf8(read(path)?).map_err(|_| Error::invalid("key file", "is not text"))
}

/// Puts a key file in the folder under its fixed name: left alone when it already says the same,
/// replaced whole when the keys changed (a refreshed centre key, a laptop renamed).
fn put_key(folder: &Path, name: &str, text: &str) -> Result<PathBuf> {
    let path = folder.join(name);
    match std::fs::read(&path) {
        Ok(old) if old == text.as_bytes() => {}
        Ok(_) => replace(&path, text.as_bytes())?,
        Err(_) => write_new(&path, text.as_bytes())?,
    }
    Ok(path)
}

fn require_folder(folder: &Path) -> Result<()> {
    if folder.is_dir() {
        Ok(())
    } else {
        Err(Error::invalid("exchange folder", "is not a folder this computer can open; is the USB stick in?"))
    }
}

/// The centre-key file in `folder`, checked.
pub(crate) fn centre_key_in(folder: &Path) -> Result<String> {
    require_folder(folder)?;
    let path = folder.join(CENTRE_KEY);
    if !path.is_file() {
        return Err(Error::invalid(
            "exchange folder",
            "holds no centre key; at the office, choose this folder under Field work first",
        ));
    }
    let text = read_text(&path)?;
    centre_key_fingerprints(&text)?;
    Ok(text)
}

/// The exchange folder as chosen.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Exchange {
    /// The folder.
    pub folder: String,
    /// At the office: the fingerprints of the centre key left there, for the laptop's screen.
    pub centre_key: Vec<String>,
}

/// A laptop's key found in the exchange folder (office).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FolderLaptop {
    /// The device id.
    pub device_id: String,
    /// For people comparing screens.
    pub fingerprint: String,
    /// The laptop's name.
    pub label: String,
    /// The trainer it is registered to here, if it is.
    pub trainer: Option<String>,
}

/// One file of the folder and what became of it.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FolderReturn {
    /// The file's name.
    pub file: String,
    /// What importing it did, when it could be read.
    pub outcome: Option<ReturnImport>,
    /// Why it was refused, when it was (nothing of it was applied).
    pub refused: Option<String>,
}

/// One pack of the folder imported (or found imported before).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FolderPack {
    /// The file's name.
    pub file: String,
    /// What importing it did.
    pub outcome: PackImport,
}

impl Store {
    /// The exchange folder chosen for this store, if one was.
    pub fn exchange_folder(&self) -> Result<Option<PathBuf>> {
        Ok(store::meta_get(self.conn(), FOLDER_KEY)?.map(PathBuf::from))
    }

    /// The exchange folder chosen for this store; refused when none was chosen yet.
    pub fn chosen_exchange_folder(&self) -> Result<PathBuf> {
        self.exchange_folder()?.ok_or_else(|| {
            Error::invalid("exchange folder", "is not chosen yet; choose the USB stick or shared folder first")
        })
    }

    /// Chooses the exchange folder (office or laptop). At the office an admin's choice also leaves the
    /// centre's key there, so a laptop set up from the same folder finds it.
    pub fn set_exchange_folder(&mut self, actor: &Actor, folder: &Path) -> Result<Exchange> {
        actor.require(Permission::FieldWork)?;
        require_folder(folder)?;
        let text = folder.display().to_string();
        self.write(|tx| {
            store::meta_set(tx, FOLDER_KEY, &text)?;
            audit::record(
                tx,
                Who::Actor(actor),
                "field.exchange_folder",
                Subject { entity: "store", id: None },
                &[FieldChange::created("folder", text.as_str())],
            )
        })?;
        let centre_key = if self.kind()? == StoreKind::Office && actor.may(Permission::ManageKeys) {
            self.save_centre_key_in(actor, folder)?.1
        } else {
            Vec::new()
        };
        Ok(Exchange { folder: text, centre_key })
    }

    /// Leaves the centre-key file in `folder` (office admins), replacing an older one; its path and
    /// the fingerprints of its signing keys.
    pub fn save_centre_key_in(&mut self, actor: &Actor, folder: &Path) -> Result<(PathBuf, Vec<String>)> {
        require_folder(folder)?;
        let text = self.field_centre_key(actor)?;
        let path = put_key(folder, CENTRE_KEY, &text)?;
        Ok((path, centre_key_fingerprints(&text)?))
    }

    /// Enrols this store as a trainer's laptop from the centre key in `folder` (see
    /// [`Store::field_enrol`]), remembers the folder, and leaves this laptop's key there for the
    /// office to register.
    pub fn enrol_from(&mut self, actor: &Actor, folder: &Path, label: &str) -> Result<FieldIdentity> {
        let centre_key = centre_key_in(folder)?;
        let who = self.field_enrol(actor, &centre_key, label)?;
        let actor = self.refresh(actor)?;
        self.set_exchange_folder(&actor, folder)?;
        let text = self.field_device_key(&actor)?;
        put_key(folder, &device_key_name(&who.device_id), &text)?;
        Ok(who)
    }

    /// The laptops whose keys are in `folder`, each with the trainer it is registered to here (office).
    pub fn laptops_in(&self, actor: &Actor, folder: &Path) -> Result<Vec<FolderLaptop>> {
        let registered = self.field_devices(actor)?;
        require_folder(folder)?;
        let mut out = Vec::new();
        for path in files(folder, "laptop-", ".key")? {
            let Ok(text) = read_text(&path) else { continue };
            let Ok((device_id, label)) = device_key_names(&text) else { continue };
            let trainer =
                registered.iter().find(|d| d.id == device_id && d.revoked_at.is_none()).map(|d| d.trainer.clone());
            out.push(FolderLaptop { fingerprint: super::fingerprint(&device_id), device_id, label, trainer });
        }
        Ok(out)
    }

    /// Registers for `trainer` the laptop whose key is in `folder` under `device` (office admins; see
    /// [`Store::register_field_device`]).
    pub fn register_laptop_in(
        &mut self,
        actor: &Actor,
        trainer: Id,
        folder: &Path,
        device: &str,
    ) -> Result<super::Device> {
        require_folder(folder)?;
        let path = files(folder, "laptop-", ".key")?
            .into_iter()
            .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy() == device_key_name(device)))
            .ok_or_else(|| Error::NotFound { what: "laptop key in the exchange folder", name: device.to_owned() })?;
        self.register_field_device(actor, trainer, &read_text(&path)?)
    }

    /// Exports a field pack (see [`Store::export_field_pack`]) into `folder`, named for its laptop.
    pub fn export_field_pack_in(
        &mut self,
        actor: &Actor,
        runs: &[Id],
        device: Option<&str>,
        folder: &Path,
    ) -> Result<(PathBuf, PackSummary)> {
        require_folder(folder)?;
        let (bytes, summary) = self.export_field_pack(actor, runs, device)?;
        let path = folder.join(pack_name(&summary.device_id, summary.pack_id));
        write_new(&path, &bytes)?;
        Ok((path, summary))
    }

    /// Imports, oldest first, every pack in `folder` made for this laptop (see
    /// [`Store::import_field_pack`]); packs imported before change nothing. Stops at the first refusal.
    pub fn import_field_packs_in(&mut self, actor: &Actor, folder: &Path, replace: bool) -> Result<Vec<FolderPack>> {
        let device = keys::device_keys(self.conn())?.id;
        require_folder(folder)?;
        let mut out = Vec::new();
        for path in files(folder, &format!("fieldpack-{device}-"), ".cbf")? {
            let outcome = self.import_field_pack(actor, &read(&path)?, replace)?;
            out.push(FolderPack { file: name_of(&path), outcome });
        }
        if out.is_empty() {
            return Err(Error::invalid(
                "exchange folder",
                "holds no field pack for this laptop yet; the office exports one into the same folder",
            ));
        }
        Ok(out)
    }

    /// Exports a results return (see [`Store::export_return`]) into `folder`, named for this laptop
    /// and numbered.
    pub fn export_return_in(&mut self, actor: &Actor, folder: &Path) -> Result<(PathBuf, ReturnSummary)> {
        let device = keys::device_keys(self.conn())?.id;
        require_folder(folder)?;
        let (bytes, summary) = self.export_return(actor)?;
        let path = folder.join(return_name(&device, summary.seq));
        write_new(&path, &bytes)?;
        Ok((path, summary))
    }

    /// Imports, oldest first, every return in `folder` (see [`Store::import_return`]): ones applied
    /// before, or older than one applied, change nothing; one that is refused is reported and the
    /// others still go in.
    pub fn import_returns_in(&mut self, actor: &Actor, folder: &Path) -> Result<Vec<FolderReturn>> {
        actor.require(Permission::EditRecords)?;
        keys::require_office(self.conn())?;
        require_folder(folder)?;
        let mut out = Vec::new();
        for path in files(folder, "return-", ".cbr")? {
            let file = name_of(&path);
            match read(&path).and_then(|bytes| self.import_return(actor, &bytes)) {
                Ok(outcome) => out.push(FolderReturn { file, outcome: Some(outcome), refused: None }),
                Err(e @ (Error::Field(_) | Error::Sealed(_) | Error::Io { .. })) => {
                    out.push(FolderReturn { file, outcome: None, refused: Some(e.to_string()) })
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

/// The device id and name in a device-key file (not yet checked: registering checks it whole).
fn device_key_names(text: &str) -> Result<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Names {
        device_id: String,
        label: String,
    }
    let n: Names = from_json(text, "device-key file")?;
    Ok((n.device_id, n.label))
}
