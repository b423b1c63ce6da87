//! Writing a file to disk: whole or not at all, and a new file never over another.
//!
//! Every file Centrebook writes (certificates, cards, reports, bundles, field packs and returns,
//! backups, key files, CSV lists) goes through here, so the promise is kept in one place:
//!
//! - it is filled under a temporary name in the **same folder** (never a shared temporary folder: the
//!   contents are often personal data, and a rename only stays atomic within one file system), then
//!   flushed to disk (`fsync`) and renamed into place, so a crash or a full disk leaves the complete
//!   file or no file, never half of one under its real name;
//! - a new file is **never put over an existing one**: [`NewFile`] refuses a name already taken, both
//!   before any work and again at the rename (which itself refuses to replace, so a file that appeared
//!   meanwhile is not lost either). Only [`replace`] replaces, for the one file that must be swapped in
//!   place (the key file);
//! - the temporary is **removed** when the writing fails or is abandoned (cancel, error, panic), because
//!   it is dropped with the [`NewFile`] that owns it.
//!
//! Temporaries are named `.centrebook-XXXXXX.part` (hidden, random, owner-only), so a stray one left
//! by a power cut is recognisable and never mistaken for a finished file. A process killed mid-write
//! (a bundle, an export) cannot remove its own: each temporary is locked by the process writing it,
//! each folder one was made in is noted in the data folder's journal (see [`note_folders_in`]), and
//! [`sweep`] at the next start removes the ones nobody holds and says which.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use tempfile::{NamedTempFile, TempPath};

use crate::{Error, Result};

/// The temporaries' name: hidden, so a file manager does not show a half-written file.
const PREFIX: &str = ".centrebook-";
const SUFFIX: &str = ".part";
/// The journal of folders temporaries were made in, in the data folder.
const JOURNAL: &str = "centrebook.outfolders";
/// A temporary touched this recently is left to its writer even when unlocked (SQLite's scratch copy
/// of a backup is written through its own handle, not a locked one).
const GRACE: Duration = Duration::from_secs(60);

/// Where this process notes the folders it makes temporaries in; unset, nothing is noted.
static NOTED_IN: OnceLock<PathBuf> = OnceLock::new();

/// Notes every folder this process makes a temporary in, in `data_folder`'s journal, so [`sweep`]
/// at the next start can find temporaries a killed write left in folders the user chose (a bundle's,
/// an export's). The app and the command line call it once, at start.
pub fn note_folders_in(data_folder: &Path) {
    let _ = NOTED_IN.set(data_folder.join(JOURNAL));
}

fn note_folder(folder: &Path) {
    let Some(journal) = NOTED_IN.get() else { return };
    let Ok(folder) = std::path::absolute(folder) else { return };
    let line = folder.to_string_lossy();
    if std::fs::read_to_string(journal).is_ok_and(|s| s.lines().any(|l| l == line)) {
        return;
    }
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    // Best effort: a journal that cannot be written only means a sweep that finds less.
    if let Ok(mut f) = options.open(journal) {
        let _ = f.write_all(format!("{line}\n").as_bytes());
    }
}

/// Removes the temporaries a killed or crashed write left in `data_folder`, its `backups/` and every
/// folder its journal names (those not held by a live writer and untouched for a minute), and
/// returns them: what was left behind, for the caller to list.
pub fn sweep(data_folder: &Path) -> Vec<PathBuf> {
    let journal = data_folder.join(JOURNAL);
    let noted = std::fs::read_to_string(&journal).unwrap_or_default();
    let mut folders: Vec<PathBuf> = vec![data_folder.to_path_buf(), data_folder.join("backups")];
    folders.extend(noted.lines().filter(|l| !l.is_empty()).map(PathBuf::from));
    folders.dedup();
    let mut swept = Vec::new();
    let mut still = Vec::new();
    for folder in &folders {
        let (gone, left) = sweep_folder(folder);
        swept.extend(gone);
        if left {
            still.push(folder.to_string_lossy().into_owned());
        }
    }
    // The journal keeps only folders where a live writer still has a temporary.
    if !noted.is_empty() {
        let keep: Vec<&String> = still.iter().filter(|f| noted.lines().any(|l| l == f.as_str())).collect();
        let text: String = keep.iter().map(|f| format!("{f}\n")).collect();
        let _ = replace(&journal, text.as_bytes());
    }
    swept.sort();
    swept
}

/// Removes the abandoned temporaries in `folder`; says whether a live one remains.
fn sweep_folder(folder: &Path) -> (Vec<PathBuf>, bool) {
    let (mut swept, mut left) = (Vec::new(), false);
    let Ok(entries) = std::fs::read_dir(folder) else { return (swept, left) };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(PREFIX) && name.ends_with(SUFFIX)) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if !meta.file_type().is_file() {
            continue;
        }
        let recent = meta.modified().ok().and_then(|t| t.elapsed().ok()).is_none_or(|age| age < GRACE);
        let held = File::options().write(true).open(&path).is_ok_and(|f| f.try_lock().is_err());
        if recent || held {
            left = true;
        } else if std::fs::remove_file(&path).is_ok() {
            swept.push(path);
        }
    }
    (swept, left)
}

/// A new file being written: [`Write`] and [`Seek`] into it (buffered), then [`NewFile::commit`] gives
/// it its name. Dropped without a commit, it leaves nothing behind.
#[derive(Debug)]
pub struct NewFile {
    path: PathBuf,
    out: BufWriter<NamedTempFile>,
}

impl NewFile {
    /// Starts writing the new file `path`. Refused with [`Error::Duplicate`] when `path` is already
    /// taken (checked now, so a long job is not done only to be refused at the end, and again at the
    /// rename).
    pub fn create(path: &Path) -> Result<NewFile> {
        refuse_existing(path)?;
        let tmp = temporary_beside(path)?;
        Ok(NewFile { path: path.to_path_buf(), out: BufWriter::new(tmp) })
    }

    /// Where the file will be once committed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `bytes`; a failure (a full disk) is reported against the file's real name.
    pub fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(Error::io("write", &self.path))
    }

    /// Flushes the file to disk and renames it into place, refusing to replace anything that took the
    /// name meanwhile (the temporary is then removed and the other file left alone).
    pub fn commit(self) -> Result<()> {
        let NewFile { path, out } = self;
        let tmp = synced(out, &path)?;
        match tmp.persist_noclobber(&path) {
            Ok(_) => {
                sync_folder(&path);
                Ok(())
            }
            // The error owns the temporary; dropping it removes the file.
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Err(exists(&path)),
            Err(e) => Err(Error::Io { action: "write", path, source: e.error }),
        }
    }
}

impl Write for NewFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl Seek for NewFile {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.out.seek(pos)
    }
}

/// A file name made from a certificate number, an employer's or a person's name and so on: no path
/// separators or characters Windows refuses, no leading or trailing dots or spaces.
pub fn safe_file_name(s: &str) -> String {
    let cleaned: String =
        s.chars()
            .map(|c| {
                if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
    cleaned.trim().trim_matches('.').to_owned()
}

/// Writes `bytes` as the new file `path`, whole or not at all; refused when `path` is taken.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = NewFile::create(path)?;
    file.put(bytes)?;
    file.commit()
}

/// Replaces `path` with `bytes` (or creates it), atomically: readers see the old content or the new,
/// never a mixture, and a crash leaves one of the two. For the key file, which must be swapped in
/// place; everything that leaves the store is written with [`write_new`] or [`NewFile`] instead.
pub fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut out = BufWriter::new(temporary_beside(path)?);
    out.write_all(bytes).map_err(Error::io("write", path))?;
    synced(out, path)?.persist(path).map_err(|e| Error::Io {
        action: "write",
        path: path.to_path_buf(),
        source: e.error,
    })?;
    sync_folder(path);
    Ok(())
}

/// An empty scratch file beside `path` for work that must name a file (SQLite writing a copy of the
/// database), under the same naming as every temporary here; removed when dropped.
pub fn scratch_beside(path: &Path) -> Result<TempPath> {
    Ok(temporary_beside(path)?.into_temp_path())
}

fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

fn temporary_beside(path: &Path) -> Result<NamedTempFile> {
    note_folder(folder_of(path));
    let tmp = tempfile::Builder::new()
        .prefix(PREFIX)
        .suffix(SUFFIX)
        .tempfile_in(folder_of(path))
        .map_err(Error::io("write", path))?;
    // Held while written, so a sweep by another process leaves it alone (released when closed).
    // A file system without locks still gets the sweep's minute of grace.
    let _ = tmp.as_file().try_lock();
    Ok(tmp)
}

/// The buffer flushed and the bytes on disk (not just in the page cache) before the rename, or a
/// power cut after it could leave the name pointing at an empty file.
fn synced(out: BufWriter<NamedTempFile>, path: &Path) -> Result<NamedTempFile> {
    let tmp = out.into_inner().map_err(|e| Error::Io {
        action: "write",
        path: path.to_path_buf(),
        source: e.into_error(),
    })?;
    tmp.as_file().sync_all().map_err(Error::io("write", path))?;
    Ok(tmp)
}

/// Makes the rename itself durable. Best effort: some file systems (network shares, some USB sticks'
/// drivers) refuse to sync a folder, and the file is already whole by then, so that is no reason to
/// report a save as failed.
fn sync_folder(path: &Path) {
    #[cfg(unix)]
    if let Ok(folder) = File::open(folder_of(path)) {
        let _ = folder.sync_all();
    }
    #[cfg(not(unix))]
    let _ = (path, File::open);
}

fn refuse_existing(path: &Path) -> Result<()> {
    // `symlink_metadata`: a dangling link still takes the name.
    match std::fs::symlink_metadata(path) {
        Ok(_) => Err(exists(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Io { action: "write", path: path.to_path_buf(), source }),
    }
}

fn exists(path: &Path) -> Error {
    Error::Duplicate { what: "file", name: path.display().to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_safe_file_name_has_no_separator_or_character_windows_refuses() {
        assert_eq!(safe_file_name(" ../Acme: \"A/B\" Ltd?*|<>\u{7}. "), "_Acme_ _A_B_ Ltd______");
        assert_eq!(safe_file_name("Siân O'Neill 2026-12-05.pdf"), "Siân O'Neill 2026-12-05.pdf");
        assert_eq!(safe_file_name("Certificate RPT/2026/000012.pdf"), "Certificate RPT_2026_000012.pdf");
        assert_eq!(safe_file_name("Training report A:B \"Ltd\" <x>.csv"), "Training report A_B _Ltd_ _x_.csv");
        assert_eq!(safe_file_name("..\\..\\etc"), "_.._etc");
    }

    /// The folder's entries other than `keep`: temporaries left behind show up here.
    fn others(dir: &Path, keep: &[&str]) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !keep.contains(&n.as_str()))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_new_file_has_no_name_until_committed_and_then_holds_every_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        let mut file = NewFile::create(&path).unwrap();
        let body: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        file.write_all(&body).unwrap();
        assert!(!path.exists(), "the real name appears only at the end");
        let pending = others(dir.path(), &[]);
        assert_eq!(pending.len(), 1, "{pending:?}");
        assert!(pending[0].starts_with(PREFIX) && pending[0].ends_with(SUFFIX), "{pending:?}");
        file.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), body);
        assert!(others(dir.path(), &["report.csv"]).is_empty(), "no temporary is left");
    }

    #[test]
    fn seeking_back_rewrites_in_place() {
        // A ZIP writer goes back to patch sizes into local headers.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bin");
        let mut file = NewFile::create(&path).unwrap();
        file.write_all(b"hello world").unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        file.write_all(b"J").unwrap();
        file.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"Jello world");
    }

    #[test]
    fn an_existing_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("certificate.pdf");
        std::fs::write(&path, b"the first").unwrap();
        let refused = write_new(&path, b"the second").unwrap_err();
        assert!(matches!(&refused, Error::Duplicate { what: "file", .. }), "{refused:?}");
        assert!(refused.to_string().contains("already exists"), "{refused}");
        assert_eq!(std::fs::read(&path).unwrap(), b"the first");
        assert!(others(dir.path(), &["certificate.pdf"]).is_empty());
    }

    #[test]
    fn a_file_that_takes_the_name_while_writing_is_kept_and_the_new_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.zip");
        let mut file = NewFile::create(&path).unwrap();
        file.write_all(b"ours").unwrap();
        std::fs::write(&path, b"someone else's").unwrap();
        let refused = file.commit().unwrap_err();
        assert!(matches!(refused, Error::Duplicate { what: "file", .. }), "{refused:?}");
        assert_eq!(std::fs::read(&path).unwrap(), b"someone else's");
        assert!(others(dir.path(), &["bundle.zip"]).is_empty(), "the temporary was removed");
    }

    #[test]
    fn an_abandoned_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("batch.zip");
        let mut file = NewFile::create(&path).unwrap();
        file.write_all(&[7; 100_000]).unwrap();
        drop(file); // cancelled, or an error returned with `?`
        assert!(others(dir.path(), &[]).is_empty());
    }

    #[test]
    fn a_folder_that_is_not_there_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing/out.pdf");
        let e = write_new(&path, b"x").unwrap_err();
        assert!(
            matches!(&e, Error::Io { path: p, source, .. } if *p == path && source.kind() == std::io::ErrorKind::NotFound),
            "the disk's own error, against the file's name: {e:?}"
        );
    }

    #[test]
    fn replace_swaps_the_content_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("centrebook.keys");
        replace(&path, b"first").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        replace(&path, b"second, longer").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second, longer");
        assert!(others(dir.path(), &["centrebook.keys"]).is_empty());
    }

    #[test]
    fn a_scratch_file_is_removed_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let scratch = scratch_beside(&dir.path().join("backup.cbbackup")).unwrap();
        assert_eq!(scratch.parent(), Some(dir.path()), "beside its file, never in a shared folder");
        assert!(scratch.exists());
        drop(scratch);
        assert!(others(dir.path(), &[]).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn files_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pack.cbf");
        write_new(&path, b"personal data").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    /// A temporary as a process killed mid-write leaves it: unlocked, last written `age` ago.
    fn left_behind(folder: &Path, name: &str, age: Duration) -> PathBuf {
        let path = folder.join(name);
        let f = File::create(&path).unwrap();
        f.set_modified(std::time::SystemTime::now() - age).unwrap();
        path
    }

    #[test]
    fn a_temporary_left_by_a_killed_write_is_swept_and_listed() {
        let data = tempfile::tempdir().unwrap();
        let chosen = tempfile::tempdir().unwrap(); // where the user saved a bundle
        std::fs::create_dir(data.path().join("backups")).unwrap();
        note_folders_in(data.path());
        // A write in progress notes its folder; then the process "dies" mid-bundle.
        let live = NewFile::create(&chosen.path().join("live.zip")).unwrap();
        let killed = left_behind(chosen.path(), ".centrebook-AbC123.part", Duration::from_secs(600));
        let in_data = left_behind(data.path(), ".centrebook-XyZ789.part", Duration::from_secs(600));
        let in_backups = left_behind(&data.path().join("backups"), ".centrebook-Q1w2E3.part", Duration::from_secs(600));
        let fresh = left_behind(data.path(), ".centrebook-Fresh1.part", Duration::ZERO);
        let finished = left_behind(chosen.path(), "bundle.zip", Duration::from_secs(600));
        // The live write's temporary is old too, but its writer holds it.
        let live_tmp = chosen.path().join(&others(chosen.path(), &[".centrebook-AbC123.part", "bundle.zip"])[0]);
        File::options()
            .write(true)
            .open(&live_tmp)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - Duration::from_secs(600))
            .unwrap();

        let mut expected = vec![killed.clone(), in_data.clone(), in_backups.clone()];
        expected.sort();
        assert_eq!(sweep(data.path()), expected);
        assert!(!killed.exists() && !in_data.exists() && !in_backups.exists());
        assert!(fresh.exists(), "a temporary written a moment ago may be another process's");
        assert!(finished.exists(), "finished files are never touched");
        assert!(live_tmp.exists(), "a live writer's temporary is kept");
        drop(live);
        assert!(sweep(data.path()).is_empty());
        assert!(others(chosen.path(), &["bundle.zip"]).is_empty());
    }
}
