//! The private folder "Open PDF" puts certificates and cards in for the system's viewer, and the
//! removal of such folders: at sign-out, at the idle lock, at exit, and (for a process that died)
//! at the next start.
//!
//! The viewer is another program, so the PDF has to be a file in the clear somewhere. That file holds
//! personal data, so the folder is the process's own, never a shared fixed name another user could
//! plant first or read: a new, randomly named folder in the system's temporary folder, made with
//! `mkdir` (which refuses anything already there, a planted link included), owner-only (0700) where
//! the OS has modes, and its files made new (`O_CREAT | O_EXCL`, `O_NOFOLLOW`), owner-only (0600).
//! Each folder holds `.alive`, locked by the process for as long as the folder is in use: a sweep at
//! start removes only this user's folders whose lock nobody holds, so a second window or the test
//! suite running beside it keeps its own.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::{Error, Result};

/// Every viewing folder's name starts so; the process id and a random part follow.
const PREFIX: &str = "centrebook-viewing-";
/// The fixed folder earlier versions shared; swept like a dead process's when it is this user's.
const LEGACY: &str = "centrebook-viewing";
/// The lock file that says the folder's process is alive.
const ALIVE: &str = ".alive";

/// The viewing folder of this process, made on first use and removed by [`Viewing::clear`] (or when
/// dropped). One per app; cheap to keep when nothing was opened.
#[derive(Debug)]
pub struct Viewing {
    base: PathBuf,
    current: Mutex<Option<Folder>>,
}

#[derive(Debug)]
struct Folder {
    path: PathBuf,
    // Held (and locked) while the folder is in use; see the module's note.
    _alive: File,
}

impl Default for Viewing {
    fn default() -> Self {
        Viewing::in_temp()
    }
}

impl Viewing {
    /// Folders made in the system's temporary folder.
    pub fn in_temp() -> Viewing {
        Viewing::new(std::env::temp_dir())
    }

    /// Folders made in `base`.
    pub fn new(base: impl Into<PathBuf>) -> Viewing {
        Viewing { base: base.into(), current: Mutex::new(None) }
    }

    /// Writes `bytes` as `name` (a plain file name, no folders) into this process's viewing folder,
    /// making the folder if needed, and returns the file's path for the viewer. The same name again
    /// replaces the copy there.
    pub fn put(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        let plain = Path::new(name).file_name().is_some_and(|f| f == name);
        if !plain || name.starts_with('.') {
            return Err(Error::invalid("file name", "give a plain file name"));
        }
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if current.is_none() {
            *current = Some(Folder::make(&self.base)?);
        }
        let folder = current.as_ref().map(|f| f.path.clone()).unwrap_or_default();
        let path = folder.join(name);
        // Our own folder: an earlier copy (the viewer may still hold it open) is simply replaced.
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io("write", &path)(e)),
            _ => {}
        }
        let mut file = private_new_file(&path)?;
        file.write_all(bytes).map_err(Error::io("write", &path))?;
        Ok(path)
    }

    /// The folder in use now, if anything was opened since the last [`Viewing::clear`].
    pub fn folder(&self) -> Option<PathBuf> {
        self.current.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|f| f.path.clone())
    }

    /// Removes the folder and everything in it (sign-out, idle lock, exit). Nothing to do when
    /// nothing was opened; the next [`Viewing::put`] makes a new folder.
    pub fn clear(&self) -> Result<()> {
        let taken = self.current.lock().unwrap_or_else(|p| p.into_inner()).take();
        match taken {
            Some(folder) => remove_tree(&folder.path),
            None => Ok(()),
        }
    }
}

impl Drop for Viewing {
    fn drop(&mut self) {
        let _ = self.clear();
    }
}

impl Folder {
    fn make(base: &Path) -> Result<Folder> {
        let mut random = [0u8; 8];
        crate::crypto::fill_random(&mut random)?;
        let name = format!("{PREFIX}{}-{}", std::process::id(), crate::crypto::hex(&random));
        let path = base.join(name);
        make_private_dir(&path)?;
        let alive = private_new_file(&path.join(ALIVE))?;
        alive.try_lock().map_err(|_| Error::io("lock", path.join(ALIVE))(std::io::ErrorKind::WouldBlock.into()))?;
        Ok(Folder { path, _alive: alive })
    }
}

/// Makes the folder `path`, new and owner-only; anything already there (a folder, a file, a link
/// someone planted) is refused rather than used.
pub(crate) fn make_private_dir(path: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path).map_err(Error::io("create", path))?;
    // Belt and braces: what we made is a real folder, not a link, and (where there are modes) ours alone.
    let made = std::fs::symlink_metadata(path).map_err(Error::io("create", path))?;
    if !made.file_type().is_dir() {
        return Err(Error::io("create", path)(std::io::ErrorKind::AlreadyExists.into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).map_err(Error::io("create", path))?;
    }
    Ok(())
}

/// A new, owner-only file at `path`, never through a link.
fn private_new_file(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path).map_err(Error::io("write", path))
}

/// `remove_dir_all` never follows links inside the folder; a folder already gone is fine.
fn remove_tree(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("remove", path)(e)),
        _ => Ok(()),
    }
}

/// Removes the viewing folders in `base` left by this user's processes that are gone (a crash, a
/// killed window, an earlier version's shared folder), and returns them. Folders of live processes,
/// of other users and anything that is not a real folder are left alone.
pub fn sweep(base: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(base) else { return Vec::new() };
    let me = owner_of_new_file_in(base);
    let mut swept = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(PREFIX) || name == LEGACY) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if !meta.file_type().is_dir() || !owned_by(&meta, me) || in_use(&path) {
            continue;
        }
        if remove_tree(&path).is_ok() {
            swept.push(path);
        }
    }
    swept.sort();
    swept
}

/// Whether the folder's process still holds its `.alive` lock.
fn in_use(folder: &Path) -> bool {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    match options.open(folder.join(ALIVE)) {
        // Locked by another: alive. Our own lock is released when `probe` is dropped.
        Ok(probe) => probe.try_lock().is_err(),
        // No lock file: a process that died before making it, or the old shared folder.
        Err(_) => false,
    }
}

/// This user's id as the OS gives it to a file we make (no unsafe call to ask for it).
#[cfg(unix)]
fn owner_of_new_file_in(base: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    tempfile::tempfile_in(base).ok().and_then(|f| f.metadata().ok()).map(|m| m.uid())
}

#[cfg(not(unix))]
fn owner_of_new_file_in(_base: &Path) -> Option<u32> {
    None
}

#[cfg(unix)]
fn owned_by(meta: &std::fs::Metadata, me: Option<u32>) -> bool {
    use std::os::unix::fs::MetadataExt;
    me == Some(meta.uid())
}

// Windows and macOS give each user their own temporary folder.
#[cfg(not(unix))]
fn owned_by(_meta: &std::fs::Metadata, _me: Option<u32>) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_pdf_opened_goes_in_a_new_private_folder_of_this_process() {
        let base = tempfile::tempdir().unwrap();
        let viewing = Viewing::new(base.path());
        assert!(viewing.folder().is_none(), "nothing is made until something is opened");
        let path = viewing.put("Certificate C-1.pdf", b"%PDF one").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"%PDF one");
        let folder = viewing.folder().unwrap();
        assert_eq!(path.parent(), Some(folder.as_path()));
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(&format!("{PREFIX}{}-", std::process::id())), "{name}");
        // Opened again: the copy is replaced, in the same folder.
        let again = viewing.put("Certificate C-1.pdf", b"%PDF two").unwrap();
        assert_eq!(again, path);
        assert_eq!(std::fs::read(&path).unwrap(), b"%PDF two");
        assert!(viewing.put("../escape.pdf", b"x").is_err());
        assert!(viewing.put(".alive", b"x").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn the_folder_is_0700_and_its_files_0600() {
        use std::os::unix::fs::PermissionsExt;
        let base = tempfile::tempdir().unwrap();
        let viewing = Viewing::new(base.path());
        let path = viewing.put("Card K-1.pdf", b"%PDF").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&viewing.folder().unwrap()), 0o700);
        assert_eq!(mode(&path), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_at_the_folder_or_a_file_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let target = tempfile::tempdir().unwrap();
        let planted = base.path().join(format!("{PREFIX}1-planted"));
        std::os::unix::fs::symlink(target.path(), &planted).unwrap();
        assert!(make_private_dir(&planted).is_err(), "a link at the folder's name is not used");
        let outside = target.path().join("stolen.pdf");
        let link = base.path().join("link.pdf");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        assert!(private_new_file(&link).is_err(), "a file is never written through a link");
        assert!(!outside.exists());
        assert!(entries(target.path()).is_empty());
    }

    #[test]
    fn clear_removes_the_folder_and_the_next_open_makes_a_new_one() {
        // What the app calls at sign-out and at the idle lock.
        let base = tempfile::tempdir().unwrap();
        let viewing = Viewing::new(base.path());
        let first = viewing.put("Certificate C-1.pdf", b"%PDF").unwrap();
        let folder = viewing.folder().unwrap();
        viewing.clear().unwrap();
        assert!(!first.exists() && !folder.exists());
        assert!(viewing.folder().is_none());
        assert!(entries(base.path()).is_empty(), "{:?}", entries(base.path()));
        let second = viewing.put("Certificate C-1.pdf", b"%PDF").unwrap();
        assert_ne!(second.parent(), Some(folder.as_path()));
        drop(viewing); // exit
        assert!(entries(base.path()).is_empty(), "{:?}", entries(base.path()));
    }

    #[test]
    fn the_sweep_removes_folders_of_dead_processes_and_keeps_live_ones() {
        let base = tempfile::tempdir().unwrap();
        let live = Viewing::new(base.path());
        live.put("Card K-1.pdf", b"%PDF").unwrap();
        // A process killed while a PDF was open: its folder and lock file stay, the lock does not.
        let dead = base.path().join(format!("{PREFIX}4242-deadbeef"));
        make_private_dir(&dead).unwrap();
        private_new_file(&dead.join(ALIVE)).unwrap();
        std::fs::write(dead.join("Certificate C-9.pdf"), b"%PDF").unwrap();
        // The shared folder earlier versions left.
        let legacy = base.path().join(LEGACY);
        std::fs::create_dir(&legacy).unwrap();
        std::fs::write(legacy.join("Card K-2.pdf"), b"%PDF").unwrap();
        // Not ours to touch.
        std::fs::write(base.path().join(format!("{PREFIX}not-a-folder")), b"x").unwrap();
        std::fs::create_dir(base.path().join("someone-elses")).unwrap();

        let swept = sweep(base.path());
        assert_eq!(swept, vec![legacy.clone(), dead.clone()]);
        assert!(!dead.exists() && !legacy.exists());
        assert!(live.folder().unwrap().join("Card K-1.pdf").exists(), "a live window's folder is kept");
        assert!(base.path().join("someone-elses").exists());
        assert!(base.path().join(format!("{PREFIX}not-a-folder")).exists());
    }
}
