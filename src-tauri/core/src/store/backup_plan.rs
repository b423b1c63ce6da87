//! The daily backup Centrebook takes by itself: the folder an admin chose for it (a USB stick, a
//! synced folder), how many daily backups to keep there, when the last backup of any kind was taken,
//! and why the last automatic one failed, so the window can say when backups have stopped.
//!
//! Nothing is automatic until an admin chooses a folder: a centre decides where its copies live. The
//! automatic backup runs without a signed-in user (the app starts it after unlocking and then every
//! so often), so it is attributed to Centrebook itself in the audit log; the admin's choice of folder,
//! audited under their name, is what authorises it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{meta_get, meta_set, BackupInfo, Store};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::{Error, Result};

/// A backup older than this is worth a warning.
pub const STALE_AFTER: Duration = Duration::days(7);
/// How many daily backups are kept unless an admin says otherwise.
pub const DEFAULT_KEEP: u32 = 14;

const FOLDER: &str = "backup_folder";
pub(crate) const KEEP: &str = "backup_keep";
const LAST_AT: &str = "backup_last_at";
const LAST_FILE: &str = "backup_last_file";
const FAILED_AT: &str = "backup_failed_at";
const FAILED_WHY: &str = "backup_failed_why";

/// Where the daily backup goes and how backups stand.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BackupPlan {
    /// The folder the daily backup is written to; `None` until an admin chooses one, and then no
    /// backup is taken automatically.
    pub folder: Option<PathBuf>,
    /// How many daily backups are kept in that folder (the oldest go first).
    pub keep: u32,
    /// The last backup of any kind (daily, by hand, from the command line).
    pub last: Option<LastBackup>,
    /// Why the last automatic backup failed, when it has failed since the last one that worked.
    pub failed: Option<FailedBackup>,
    /// The last backup is older than a week, or there has been none in the store's first week.
    pub stale: bool,
}

/// When and where the last backup was written.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LastBackup {
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// The file written.
    pub file: PathBuf,
}

/// An automatic backup that could not be written.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FailedBackup {
    /// When it was tried (UTC).
    pub at: DateTime<Utc>,
    /// The error, as the person would read it (a folder that is not there, a full disk).
    pub reason: String,
}

fn time(value: Option<String>) -> Option<DateTime<Utc>> {
    value.and_then(|v| DateTime::parse_from_rfc3339(&v).ok()).map(|t| t.with_timezone(&Utc))
}

impl Store {
    /// Where the daily backup goes and how backups stand (admins only).
    pub fn backup_plan(&self, actor: &Actor) -> Result<BackupPlan> {
        actor.require(Permission::Backup)?;
        self.plan_at(Utc::now())
    }

    fn plan_at(&self, now: DateTime<Utc>) -> Result<BackupPlan> {
        let conn = self.conn();
        let last = match (time(meta_get(conn, LAST_AT)?), meta_get(conn, LAST_FILE)?) {
            (Some(at), Some(file)) => Some(LastBackup { at, file: file.into() }),
            _ => None,
        };
        let failed = match (time(meta_get(conn, FAILED_AT)?), meta_get(conn, FAILED_WHY)?) {
            // Only a failure since the last backup that worked is news.
            (Some(at), Some(reason)) if last.as_ref().is_none_or(|l| l.at < at) => Some(FailedBackup { at, reason }),
            _ => None,
        };
        // A new store is not stale on its first day: it counts from the store's first audit entry.
        let since = match &last {
            Some(l) => Some(l.at),
            None => time(conn.query_row("SELECT at FROM audit ORDER BY seq LIMIT 1", [], |r| r.get(0)).ok()),
        };
        Ok(BackupPlan {
            folder: meta_get(conn, FOLDER)?.map(PathBuf::from),
            keep: meta_get(conn, KEEP)?.and_then(|k| k.parse().ok()).unwrap_or(DEFAULT_KEEP),
            stale: since.is_none_or(|t| now - t > STALE_AFTER),
            last,
            failed,
        })
    }

    /// The newest backup's time, how many daily backups are kept, and whether a daily folder is
    /// chosen: what an erasure needs to say until when backups hold a person.
    pub(crate) fn backup_rotation(&self) -> Result<(Option<DateTime<Utc>>, u32, bool)> {
        let plan = self.plan_at(Utc::now())?;
        Ok((plan.last.map(|l| l.at), plan.keep, plan.folder.is_some()))
    }

    /// Chooses the folder for the daily backup (`None`: stop backing up automatically) and how many
    /// daily backups to keep there (admins only). The folder must exist now: a USB stick is chosen
    /// while it is plugged in.
    pub fn set_backup_plan(&mut self, actor: &Actor, folder: Option<&Path>, keep: u32) -> Result<BackupPlan> {
        actor.require(Permission::Backup)?;
        if !(1..=366).contains(&keep) {
            return Err(Error::invalid("backups to keep", "should be a number from 1 to 366"));
        }
        if let Some(f) = folder {
            if !f.is_absolute() || !f.is_dir() {
                return Err(Error::invalid("backup folder", "should be a folder that exists, such as a USB stick"));
            }
        }
        let before = self.plan_at(Utc::now())?;
        let folder_text = folder.map(|f| f.display().to_string());
        self.write(|tx| {
            match &folder_text {
                Some(f) => meta_set(tx, FOLDER, f)?,
                None => {
                    tx.execute("DELETE FROM meta WHERE key = ?1", [FOLDER])?;
                }
            }
            meta_set(tx, KEEP, &keep.to_string())?;
            let changes = [
                FieldChange {
                    field: "folder".into(),
                    before: before.folder.map(|f| f.display().to_string().into()),
                    after: folder_text.clone().map(Into::into),
                },
                FieldChange::changed("keep", before.keep, keep),
            ];
            audit::record(tx, Who::Actor(actor), "backup.plan", Subject { entity: "store", id: None }, &changes)
        })?;
        self.plan_at(Utc::now())
    }

    /// Takes today's automatic backup into the chosen folder unless it is already there, keeping the
    /// newest `keep` (see [`Store::daily_backup_into`]). Does nothing while no folder is chosen. Runs
    /// with nobody signed in; a failure is remembered (once a day) for the window to show, and
    /// returned.
    pub fn backup_if_due(&mut self) -> Result<Option<BackupInfo>> {
        let plan = self.plan_at(Utc::now())?;
        let Some(folder) = plan.folder else { return Ok(None) };
        match self.daily_backup_into(Who::System("daily backup"), &folder, plan.keep as usize) {
            Ok(made) => Ok(made),
            Err(e) => {
                let today = Utc::now().date_naive();
                if plan.failed.is_none_or(|f| f.at.date_naive() != today) {
                    self.note_failure(&e)?;
                }
                Err(e)
            }
        }
    }

    fn note_failure(&mut self, e: &Error) -> Result<()> {
        let (at, why) = (Utc::now().to_rfc3339(), e.to_string());
        self.write(|tx| {
            meta_set(tx, FAILED_AT, &at)?;
            meta_set(tx, FAILED_WHY, &why)?;
            audit::record(
                tx,
                Who::System("daily backup"),
                "backup.failed",
                Subject { entity: "store", id: None },
                &[FieldChange::created("reason", why.as_str())],
            )
        })
    }
}

/// Records a backup just written, inside its audited transaction.
pub(super) fn note_backup(tx: &rusqlite::Connection, out: &Path) -> Result<()> {
    meta_set(tx, LAST_AT, &Utc::now().to_rfc3339())?;
    meta_set(tx, LAST_FILE, &out.display().to_string())
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use crate::testing::world;
    use crate::Error;

    #[test]
    fn nothing_is_automatic_until_an_admin_chooses_a_folder_then_one_backup_a_day() {
        let mut w = world();
        let admin = w.admin.clone();
        let plan = w.store.backup_plan(&admin).unwrap();
        assert_eq!((plan.folder.as_deref(), plan.keep, plan.last.as_ref()), (None, super::DEFAULT_KEEP, None));
        assert!(w.store.backup_if_due().unwrap().is_none(), "no folder chosen: nothing written");

        let stick = tempfile::tempdir().unwrap();
        let plan = w.store.set_backup_plan(&admin, Some(stick.path()), 2).unwrap();
        assert_eq!(plan.folder.as_deref(), Some(stick.path()));
        let made = w.store.backup_if_due().unwrap().expect("today's backup");
        assert!(made.path.starts_with(stick.path()));
        assert!(w.store.backup_if_due().unwrap().is_none(), "one a day");

        let plan = w.store.backup_plan(&admin).unwrap();
        let last = plan.last.expect("the backup is remembered");
        assert_eq!(last.file, made.path);
        assert!(!plan.stale);
        let entries = crate::audit::list(&w.store, &admin, &Default::default()).unwrap();
        let actions: Vec<(&str, &str)> = entries.iter().map(|e| (e.action.as_str(), e.actor.as_str())).collect();
        assert!(actions.contains(&("backup.plan", "admin")), "{actions:?}");
        assert!(actions.iter().any(|(a, who)| *a == "backup.create" && who.contains("daily backup")), "{actions:?}");
    }

    #[test]
    fn a_missing_folder_is_remembered_as_a_failure_until_a_backup_works() {
        let mut w = world();
        let admin = w.admin.clone();
        let stick = tempfile::tempdir().unwrap();
        let gone = stick.path().join("usb");
        std::fs::create_dir(&gone).unwrap();
        w.store.set_backup_plan(&admin, Some(&gone), 3).unwrap();
        std::fs::remove_dir(&gone).unwrap(); // the stick was pulled out
        assert!(w.store.backup_if_due().is_err());
        assert!(w.store.backup_if_due().is_err(), "tried again, not recorded twice");
        let plan = w.store.backup_plan(&admin).unwrap();
        assert!(plan.failed.is_some_and(|f| !f.reason.is_empty()));
        let failures = crate::audit::list(&w.store, &admin, &Default::default())
            .unwrap()
            .iter()
            .filter(|e| e.action == "backup.failed")
            .count();
        assert_eq!(failures, 1, "one failure entry a day, not one per try");

        std::fs::create_dir(&gone).unwrap(); // plugged back in
        assert!(w.store.backup_if_due().unwrap().is_some());
        assert_eq!(w.store.backup_plan(&admin).unwrap().failed, None, "a backup that worked clears the failure");
    }

    #[test]
    fn a_week_without_a_backup_is_stale_and_choices_are_checked() {
        let mut w = world();
        let admin = w.admin.clone();
        assert!(!w.store.plan_at(Utc::now()).unwrap().stale, "a store made today");
        assert!(w.store.plan_at(Utc::now() + Duration::days(8)).unwrap().stale, "a week on with no backup");
        let out = w.store.dir().backups().join("by-hand.cbbackup");
        w.store.backup(&admin, &out).unwrap();
        assert!(!w.store.plan_at(Utc::now() + Duration::days(6)).unwrap().stale);
        assert!(w.store.plan_at(Utc::now() + Duration::days(8)).unwrap().stale);

        assert!(matches!(
            w.store.set_backup_plan(&admin, Some(std::path::Path::new("relative")), 3),
            Err(Error::Invalid { .. })
        ));
        assert!(matches!(w.store.set_backup_plan(&admin, None, 0), Err(Error::Invalid { .. })));
        assert!(matches!(w.store.backup_plan(&w.office), Err(Error::Forbidden { .. })));
        assert!(matches!(w.store.set_backup_plan(&w.office, None, 3), Err(Error::Forbidden { .. })));
    }
}
