//! `file:PATH`: one JSON file per document in backtest-kit's `./dump` layout,
//! `<root>/<entity>/<id>.json`, under a cap-std directory capability rooted at PATH, so no
//! name can reach outside the root whatever it contains.
//!
//! - Atomic replace: write `.tmp-<12 hex>-<id>.json` in the same folder, fsync it, rename it
//!   over `<id>.json`, fsync the folder. A crash leaves the old file or the new one; at
//!   worst a temp file, which is never listed.
//! - Atomic create: the same temp file, hard-linked to `<id>.json` (which fails if the name
//!   exists, with no window between check and write), then the temp name is removed.
//! - Temp files older than 120 s are swept the first time this process opens their folder;
//!   younger ones may be another process's write in flight and are left alone.
//! - Batches (`write_many`): every temp file is written, then all are made durable together
//!   (fsynced in parallel, so they share the file system's journal commits; from 16 documents
//!   on, one `syncfs` of the file system instead), then renamed, then each folder is fsynced
//!   once. Each document stays atomic; all are durable on `Ok`. The documents a batch
//!   replaces are freed by a thread of their own after it returns.
//! - Compare-and-swap: the comparison and the rename happen under an exclusive `flock` of the
//!   entity folder; every other change of a document here (write, create, remove,
//!   quarantine) holds a shared one for its rename, so none slips in between, from any
//!   process using this store.
//! - Quarantine: the document is renamed to `<root>/.quarantine/<entity>/<id>.<stamp>.json`
//!   with `<id>.<stamp>.reason.json` beside it.

use super::{Backend, Document, Quarantined, StorageError, SwapOutcome, Versioned, version_of};
use cap_std::ambient_authority;
use cap_std::fs::{Dir, MetadataExt, OpenOptions, OpenOptionsExt};
use persist_core::keys::{DOC_SUFFIX, MAX_ENTITY_DEPTH, QUARANTINE_DIR, TMP_PREFIX};
use rand::Rng;
use std::collections::{BTreeMap, HashSet};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Most documents a batch writes at once (each holds an open file until the fsyncs are
/// done); a larger batch is written in slices of this many.
const BATCH_OPEN_FILES: usize = 256;

/// Temp files older than this are left over from a crash (backtest-kit's value).
pub const STALE_TMP_AGE: Duration = Duration::from_secs(120);

/// `file:PATH`: one JSON file per document under a folder, in backtest-kit's `./dump` layout.
pub struct FileStore {
    root: Dir,
    /// Larger documents are refused on read without being loaded.
    max_document_bytes: u64,
    root_path: PathBuf,
    /// Entity folders already swept of stale temp files by this process.
    swept: Mutex<HashSet<String>>,
    /// Whether opening creates the store folder and sweeps stale temp files.
    housekeeping: bool,
}

impl FileStore {
    /// Opens (creating if needed) the store folder.
    pub fn open(path: &Path, max_document_bytes: u64) -> Result<FileStore, StorageError> {
        FileStore::open_with(path, max_document_bytes, true)
    }

    /// Opens the store folder; without `housekeeping`, nothing on disk changes by itself: the
    /// folder must exist, and stale temp files are left where they are (for a look that must
    /// change nothing, such as `persist check --dry-run`). Writes still write.
    pub fn open_with(
        path: &Path,
        max_document_bytes: u64,
        housekeeping: bool,
    ) -> Result<FileStore, StorageError> {
        if housekeeping {
            std::fs::create_dir_all(path).map_err(|e| {
                StorageError::Io(format!(
                    "cannot create the store folder {}: {e}",
                    path.display()
                ))
            })?;
        }
        let root = Dir::open_ambient_dir(path, ambient_authority()).map_err(|e| {
            StorageError::Io(format!(
                "cannot open the store folder {}: {e}",
                path.display()
            ))
        })?;
        let root_path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        Ok(FileStore {
            root,
            max_document_bytes,
            root_path,
            swept: Mutex::new(HashSet::new()),
            housekeeping,
        })
    }

    fn io(&self, what: &str, path: &str, e: io::Error) -> StorageError {
        StorageError::Io(format!(
            "{what} {}: {e}",
            self.root_path.join(path).display()
        ))
    }

    /// The entity's folder, or `None` when it does not exist and `create` is false. Sweeps
    /// stale temp files the first time this process opens it.
    fn entity_dir(&self, entity: &str, create: bool) -> Result<Option<Dir>, StorageError> {
        let dir = match self.root.open_dir(entity) {
            Ok(dir) => dir,
            Err(e) if is_absent(&e) && !create => return Ok(None),
            Err(e) if is_absent(&e) => self.create_entity_dir(entity)?,
            Err(e) => return Err(self.io("cannot open folder", entity, e)),
        };
        let first_open = self.housekeeping
            && self
                .swept
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(entity.to_string());
        if first_open {
            self.sweep(&dir, entity);
        }
        Ok(Some(dir))
    }

    /// Creates the entity's folder and makes its creation durable (fsync of each parent).
    fn create_entity_dir(&self, entity: &str) -> Result<Dir, StorageError> {
        self.root
            .create_dir_all(entity)
            .map_err(|e| self.io("cannot create folder", entity, e))?;
        let mut parent = Path::new(entity).parent();
        while let Some(p) = parent {
            let dir = if p.as_os_str().is_empty() {
                self.root.try_clone()
            } else {
                self.root.open_dir(p)
            };
            let dir = dir.map_err(|e| self.io("cannot open folder", &p.to_string_lossy(), e))?;
            sync_dir(&dir).map_err(|e| self.io("cannot fsync folder", &p.to_string_lossy(), e))?;
            parent = p.parent();
        }
        self.root
            .open_dir(entity)
            .map_err(|e| self.io("cannot open folder", entity, e))
    }

    /// Removes temp files older than [`STALE_TMP_AGE`]. Best effort: a failure is logged and
    /// never blocks the operation that opened the folder.
    fn sweep(&self, dir: &Dir, entity: &str) {
        let Ok(entries) = dir.entries() else { return };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !name.starts_with(TMP_PREFIX) || !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let Ok(modified) = entry.metadata().and_then(|m| m.modified()) else {
                continue;
            };
            let age = now.duration_since(modified.into_std()).unwrap_or_default();
            if age < STALE_TMP_AGE {
                continue;
            }
            let path = self.root_path.join(entity).join(name);
            match dir.remove_file(name) {
                Ok(()) => {
                    tracing::warn!(file = %path.display(), age_s = age.as_secs(), "swept a stale temp file left by an interrupted write")
                }
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "could not remove a stale temp file")
                }
            }
        }
    }

    /// Writes `value` to a fresh temp file in `dir`, fsynced. Returns its name.
    fn write_temp(
        &self,
        dir: &Dir,
        entity: &str,
        id: &str,
        value: &[u8],
    ) -> Result<String, StorageError> {
        let (tmp, file) = self.write_temp_unsynced(dir, entity, id, value)?;
        match file.sync_all() {
            Ok(()) => Ok(tmp),
            Err(e) => {
                let _ = dir.remove_file(&tmp);
                Err(self.io("cannot fsync temp file", &format!("{entity}/{tmp}"), e))
            }
        }
    }

    /// Writes `value` to a fresh temp file in `dir`, not yet fsynced. Returns its name and
    /// the open file, for the caller to fsync.
    fn write_temp_unsynced(
        &self,
        dir: &Dir,
        entity: &str,
        id: &str,
        value: &[u8],
    ) -> Result<(String, cap_std::fs::File), StorageError> {
        let tmp = format!(
            "{TMP_PREFIX}{:012x}-{id}{DOC_SUFFIX}",
            rand::rng().random::<u64>() & 0xffff_ffff_ffff
        );
        let result = (|| {
            let mut file = dir.open_with(&tmp, OpenOptions::new().write(true).create_new(true))?;
            file.write_all(value)?;
            Ok(file)
        })();
        match result {
            Ok(file) => Ok((tmp, file)),
            Err(e) => {
                let _ = dir.remove_file(&tmp);
                Err(self.io("cannot write temp file", &format!("{entity}/{tmp}"), e))
            }
        }
    }

    /// The entity's folder for a write: created when missing.
    fn dir_for_write(&self, entity: &str) -> Result<Dir, StorageError> {
        self.entity_dir(entity, true)?
            .ok_or_else(|| StorageError::Io(format!("cannot create folder {entity}")))
    }

    /// Takes the folder's `flock`: shared for a plain change, exclusive for a
    /// compare-and-swap. Released when the guard is dropped or
    /// [`FolderLock::release_and_sync`] is called.
    fn lock(&self, dir: &Dir, entity: &str, exclusive: bool) -> Result<FolderLock, StorageError> {
        // The folder's own handle may not be open for reading; `.` opened for reading is
        // the same folder, and the handle that fsyncs it afterwards.
        let folder = dir
            .open_with(".", OpenOptions::new().read(true))
            .map_err(|e| self.io("cannot open folder", entity, e))?;
        let op = if exclusive {
            libc::LOCK_EX
        } else {
            libc::LOCK_SH
        };
        loop {
            // SAFETY: flock on a descriptor `folder` owns and keeps open for the guard's life.
            if unsafe { libc::flock(folder.as_fd().as_raw_fd(), op) } == 0 {
                return Ok(FolderLock(folder));
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(self.io("cannot lock folder", entity, e));
            }
        }
    }

    /// Renames the temp file onto the document under the folder's shared lock, then fsyncs
    /// the folder.
    fn publish(&self, dir: &Dir, entity: &str, tmp: &str, id: &str) -> Result<(), StorageError> {
        let name = doc_name(id);
        let lock = match self.lock(dir, entity, false) {
            Ok(lock) => lock,
            Err(e) => {
                let _ = dir.remove_file(tmp);
                return Err(e);
            }
        };
        if let Err(e) = dir.rename(tmp, dir, &name) {
            drop(lock);
            let _ = dir.remove_file(tmp);
            return Err(self.io(
                "cannot rename temp file onto",
                &format!("{entity}/{name}"),
                e,
            ));
        }
        lock.release_and_sync()
            .map_err(|e| self.io("cannot fsync folder", entity, e))
    }

    /// Reads the document `name` of an open folder; `None` when absent.
    fn read_in(&self, dir: &Dir, entity: &str, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let name = doc_name(id);
        let Some(file) = self.open_document(dir, &name, &format!("{entity}/{name}"))? else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        file.take(self.max_document_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| self.io("cannot read", &format!("{entity}/{name}"), e))?;
        if bytes.len() as u64 > self.max_document_bytes {
            return Err(StorageError::TooLarge(self.max_document_bytes));
        }
        Ok(Some(bytes))
    }

    /// Writes a batch: every temp file, then all fsynced at once, then the renames (under
    /// each folder's shared lock, in the batch's order, so a later item for the same id
    /// wins), then every folder fsynced at once.
    fn write_batch(&self, documents: &[Document]) -> Result<(), StorageError> {
        // The folders, in order of first appearance.
        let mut folders: Vec<(&str, Dir)> = Vec::new();
        let mut temps: Vec<(usize, &str, String, cap_std::fs::File)> = Vec::new();
        let cleanup = |folders: &[(&str, Dir)],
                       temps: &[(usize, &str, String, cap_std::fs::File)]| {
            for (f, _, tmp, _) in temps {
                let _ = folders[*f].1.remove_file(tmp);
            }
        };
        for (entity, id, value) in documents {
            let f = match folders.iter().position(|(e, _)| e == entity) {
                Some(f) => f,
                None => match self.dir_for_write(entity) {
                    Ok(dir) => {
                        folders.push((entity.as_str(), dir));
                        folders.len() - 1
                    }
                    Err(e) => {
                        cleanup(&folders, &temps);
                        return Err(e);
                    }
                },
            };
            match self.write_temp_unsynced(&folders[f].1, entity, id, value) {
                Ok((tmp, file)) => temps.push((f, id.as_str(), tmp, file)),
                Err(e) => {
                    cleanup(&folders, &temps);
                    return Err(e);
                }
            }
        }
        // A large batch flushes its file system once (all the temp files' data and the
        // journal in one go); a small one fsyncs its own files together, so that a live
        // writer never waits for another process's dirty data.
        let synced = if temps.len() >= SYNCFS_FROM {
            sync_file_systems(&temps)
        } else {
            in_parallel(&temps, |(_, _, _, file)| file.sync_all())
        };
        if let Err((i, e)) = synced {
            let (f, _, tmp, _) = &temps[i];
            let at = format!("{}/{tmp}", folders[*f].0);
            cleanup(&folders, &temps);
            return Err(self.io("cannot fsync temp file", &at, e));
        }
        let mut locks = Vec::with_capacity(folders.len());
        for (entity, dir) in &folders {
            match self.lock(dir, entity, false) {
                Ok(lock) => locks.push(lock),
                Err(e) => {
                    drop(locks);
                    cleanup(&folders, &temps);
                    return Err(e);
                }
            }
        }
        // The documents being replaced, held open so that their renames do not free them:
        // freeing them (inode and blocks) is work the batch need not wait for. Opened without
        // blocking: whatever sits under a document's name (a FIFO) never stalls a write.
        let replaced: Vec<cap_std::fs::File> = temps
            .iter()
            .filter_map(|(f, id, _, _)| {
                folders[*f]
                    .1
                    .open_with(
                        doc_name(id),
                        OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK),
                    )
                    .ok()
            })
            .collect();
        let mut renamed = Ok(());
        for (i, (f, id, tmp, _)) in temps.iter().enumerate() {
            let (entity, dir) = &folders[*f];
            if let Err(e) = dir.rename(tmp, dir, doc_name(id)) {
                renamed = Err(self.io(
                    "cannot rename temp file onto",
                    &format!("{entity}/{}", doc_name(id)),
                    e,
                ));
                cleanup(&folders, &temps[i..]);
                break;
            }
        }
        // The folders are fsynced even after a failed rename: the renames before it stand.
        // One after the other: the first commits every rename of the batch, so the others
        // find nothing left to do.
        let synced = locks
            .iter()
            .enumerate()
            .try_for_each(|(i, lock)| {
                lock.release();
                lock.sync().map_err(|e| (i, e))
            })
            .map_err(|(i, e)| self.io("cannot fsync folder", folders[i].0, e));
        close_later(replaced);
        renamed.and(synced)
    }
}

/// Closes files on a thread of its own, started on first use: the last close of a document a
/// rename replaced frees it, which the writer need not wait for.
fn close_later(files: Vec<cap_std::fs::File>) {
    use std::sync::OnceLock;
    use std::sync::mpsc::{Sender, channel};
    static CLOSER: OnceLock<Option<std::sync::Mutex<Sender<Vec<cap_std::fs::File>>>>> =
        OnceLock::new();
    if files.is_empty() {
        return;
    }
    let closer = CLOSER.get_or_init(|| {
        let (tx, rx) = channel::<Vec<cap_std::fs::File>>();
        std::thread::Builder::new()
            .name("persist-file-closer".into())
            .spawn(move || rx.into_iter().for_each(drop))
            .ok()
            .map(|_| std::sync::Mutex::new(tx))
    });
    match closer {
        Some(tx) => {
            let tx = tx.lock().unwrap_or_else(|p| p.into_inner());
            if let Err(back) = tx.send(files) {
                drop(back.0);
            }
        }
        None => drop(files),
    }
}

/// Flushes the file systems the temp files are on, once each (`syncfs`): their data and
/// the journal in one go instead of one fsync per file. The first failure is returned with
/// the index of a temp file on that file system.
fn sync_file_systems(
    temps: &[(usize, &str, String, cap_std::fs::File)],
) -> Result<(), (usize, io::Error)> {
    let mut devices: Vec<u64> = Vec::new();
    for (i, (_, _, _, file)) in temps.iter().enumerate() {
        let dev = file.metadata().map_err(|e| (i, e))?.dev();
        if devices.contains(&dev) {
            continue;
        }
        devices.push(dev);
        // SAFETY: syncfs on a descriptor `file` owns.
        if unsafe { libc::syncfs(file.as_fd().as_raw_fd()) } != 0 {
            return Err((i, io::Error::last_os_error()));
        }
    }
    Ok(())
}

/// A shared or exclusive `flock` on an entity folder, held through the folder opened for
/// reading; released when dropped (the descriptor is closed).
struct FolderLock(cap_std::fs::File);

impl FolderLock {
    /// Releases the lock, then makes the folder's entries durable (fsync of the folder).
    fn release_and_sync(self) -> io::Result<()> {
        self.release();
        self.sync()
    }

    /// Releases the lock; the folder stays open.
    fn release(&self) {
        // SAFETY: unlocks the descriptor locked in `FileStore::lock`, still open.
        unsafe { libc::flock(self.0.as_fd().as_raw_fd(), libc::LOCK_UN) };
    }

    /// Makes the folder's entries durable (fsync of the folder).
    fn sync(&self) -> io::Result<()> {
        self.0.sync_all()
    }
}

/// Most fsyncs in flight at once in a batch: enough for the file system to commit them
/// together, few enough for a small machine.
const PARALLEL_FSYNCS: usize = 16;

/// Batches of at least this many documents flush their file system once (`syncfs`) instead
/// of fsyncing each temp file.
const SYNCFS_FROM: usize = 16;

/// Runs `f` on every item, several at a time, so that their fsyncs share the file system's
/// journal commits. The first failure is returned with its item's index.
fn in_parallel<T: Sync>(
    items: &[T],
    f: impl Fn(&T) -> io::Result<()> + Sync,
) -> Result<(), (usize, io::Error)> {
    if items.len() <= 1 {
        return items
            .iter()
            .enumerate()
            .try_for_each(|(i, t)| f(t).map_err(|e| (i, e)));
    }
    let threads = items.len().min(PARALLEL_FSYNCS);
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .try_for_each(|(i, t)| f(t).map_err(|e| (c * chunk + i, e)))
                })
            })
            .collect();
        let mut result = Ok(());
        for w in workers {
            let done = w
                .join()
                .unwrap_or_else(|_| Err((0, io::Error::other("fsync thread panicked"))));
            if result.is_ok() {
                result = done;
            }
        }
        result
    })
}

fn is_absent(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(20 /* ENOTDIR */)
}

/// Makes a folder's entries (a rename, a new or removed name) durable. cap-std's `Dir`
/// handle cannot be fsynced itself, so the folder is opened for reading as `.`.
fn sync_dir(dir: &Dir) -> io::Result<()> {
    dir.open_with(".", OpenOptions::new().read(true))?
        .sync_all()
}

fn doc_name(id: &str) -> String {
    format!("{id}{DOC_SUFFIX}")
}

impl Backend for FileStore {
    fn url(&self) -> String {
        format!("file:{}", self.root_path.display())
    }

    fn read(&self, entity: &str, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let Some(dir) = self.entity_dir(entity, false)? else {
            return Ok(None);
        };
        self.read_in(&dir, entity, id)
    }

    fn write(&self, entity: &str, id: &str, value: &[u8]) -> Result<(), StorageError> {
        let dir = self.dir_for_write(entity)?;
        let tmp = self.write_temp(&dir, entity, id, value)?;
        self.publish(&dir, entity, &tmp, id)
    }

    fn write_if_absent(&self, entity: &str, id: &str, value: &[u8]) -> Result<bool, StorageError> {
        let dir = self.dir_for_write(entity)?;
        let tmp = self.write_temp(&dir, entity, id, value)?;
        let name = doc_name(id);
        let lock = match self.lock(&dir, entity, false) {
            Ok(lock) => lock,
            Err(e) => {
                let _ = dir.remove_file(&tmp);
                return Err(e);
            }
        };
        let linked = dir.hard_link(&tmp, &dir, &name);
        let _ = dir.remove_file(&tmp);
        match linked {
            Ok(()) => {
                lock.release_and_sync()
                    .map_err(|e| self.io("cannot fsync folder", entity, e))?;
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(self.io("cannot create", &format!("{entity}/{name}"), e)),
        }
    }

    fn remove(&self, entity: &str, id: &str) -> Result<(), StorageError> {
        let Some(dir) = self.entity_dir(entity, false)? else {
            return Ok(());
        };
        let name = doc_name(id);
        let lock = self.lock(&dir, entity, false)?;
        match dir.remove_file(&name) {
            Ok(()) => lock
                .release_and_sync()
                .map_err(|e| self.io("cannot fsync folder", entity, e)),
            Err(e) if is_absent(&e) => Ok(()),
            Err(e) => Err(self.io("cannot remove", &format!("{entity}/{name}"), e)),
        }
    }

    fn read_many(
        &self,
        entity: &str,
        ids: &[String],
    ) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
        let Some(dir) = self.entity_dir(entity, false)? else {
            return Ok(vec![None; ids.len()]);
        };
        ids.iter()
            .map(|id| self.read_in(&dir, entity, id))
            .collect()
    }

    fn write_many(&self, documents: &[Document]) -> Result<(), StorageError> {
        // Bounded open files: a huge batch goes in slices, each durable before the next.
        documents
            .chunks(BATCH_OPEN_FILES)
            .try_for_each(|part| self.write_batch(part))
    }

    fn remove_many(&self, keys: &[(String, String)]) -> Result<(), StorageError> {
        let mut by_entity: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (entity, id) in keys {
            by_entity
                .entry(entity.as_str())
                .or_default()
                .push(id.as_str());
        }
        for (entity, ids) in by_entity {
            let Some(dir) = self.entity_dir(entity, false)? else {
                continue;
            };
            let lock = self.lock(&dir, entity, false)?;
            let removed = ids
                .iter()
                .try_for_each(|id| match dir.remove_file(doc_name(id)) {
                    Ok(()) => Ok(()),
                    Err(e) if is_absent(&e) => Ok(()),
                    Err(e) => {
                        Err(self.io("cannot remove", &format!("{entity}/{}", doc_name(id)), e))
                    }
                });
            let synced = lock
                .release_and_sync()
                .map_err(|e| self.io("cannot fsync folder", entity, e));
            removed.and(synced)?;
        }
        Ok(())
    }

    fn write_if_version(
        &self,
        entity: &str,
        id: &str,
        expected: Option<&str>,
        value: &[u8],
    ) -> Result<SwapOutcome, StorageError> {
        let dir = self.dir_for_write(entity)?;
        // The new bytes are made durable before the lock is taken, so it is held only for
        // the comparison and the rename.
        let tmp = self.write_temp(&dir, entity, id, value)?;
        let swapped = (|| {
            let lock = self.lock(&dir, entity, true)?;
            let current = self.read_in(&dir, entity, id)?.map(Versioned::of);
            if current.as_ref().map(|c| c.version.as_str()) != expected {
                return Ok(Err(current));
            }
            let name = doc_name(id);
            dir.rename(&tmp, &dir, &name).map_err(|e| {
                self.io(
                    "cannot rename temp file onto",
                    &format!("{entity}/{name}"),
                    e,
                )
            })?;
            Ok(Ok(lock))
        })();
        match swapped {
            Ok(Ok(lock)) => {
                lock.release_and_sync()
                    .map_err(|e| self.io("cannot fsync folder", entity, e))?;
                Ok(SwapOutcome::Swapped(version_of(value)))
            }
            Ok(Err(current)) => {
                let _ = dir.remove_file(&tmp);
                Ok(SwapOutcome::Stale(current))
            }
            Err(e) => {
                let _ = dir.remove_file(&tmp);
                Err(e)
            }
        }
    }

    fn list_ids(&self, entity: &str) -> Result<Vec<String>, StorageError> {
        let Some(dir) = self.entity_dir(entity, false)? else {
            return Ok(Vec::new());
        };
        let entries = dir
            .entries()
            .map_err(|e| self.io("cannot list folder", entity, e))?;
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| self.io("cannot list folder", entity, e))?;
            if let Some(id) = doc_id(&entry) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    fn entities(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let mut found = Vec::new();
        let mut pending = vec![String::new()];
        while let Some(path) = pending.pop() {
            let dir = if path.is_empty() {
                self.root.try_clone()
            } else {
                self.root.open_dir(&path)
            };
            let entries = match dir.and_then(|d| d.entries()) {
                Ok(entries) => entries,
                Err(e) if path.is_empty() => return Err(self.io("cannot list folder", ".", e)),
                Err(e) if is_absent(&e) => continue,
                // A folder this process cannot read (no permission) is still listed, so that
                // whoever reads it is told why, and the others are still found.
                Err(_) => {
                    if path.starts_with(prefix) {
                        found.push(path);
                    }
                    continue;
                }
            };
            let mut holds_documents = false;
            for entry in entries {
                let entry = entry.map_err(|e| self.io("cannot list folder", &path, e))?;
                if doc_id(&entry).is_some() {
                    holds_documents = true;
                    continue;
                }
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                // Hidden folders (the quarantine among them) are not entities; symlinks are
                // not followed.
                if name.starts_with('.') || !entry.file_type().is_ok_and(|t| t.is_dir()) {
                    continue;
                }
                let child = if path.is_empty() {
                    name.to_string()
                } else {
                    format!("{path}/{name}")
                };
                if child.split('/').count() <= MAX_ENTITY_DEPTH {
                    pending.push(child);
                }
            }
            if holds_documents && !path.is_empty() && path.starts_with(prefix) {
                found.push(path);
            }
        }
        Ok(found)
    }

    fn quarantine(
        &self,
        entity: &str,
        id: &str,
        judged: &[u8],
        reason: &str,
    ) -> Result<bool, StorageError> {
        let Some(dir) = self.entity_dir(entity, false)? else {
            return Ok(false);
        };
        let name = doc_name(id);
        let at = format!("{entity}/{name}");
        // A compare-and-swap must not slip between the comparison and the move.
        let _lock = self.lock(&dir, entity, false)?;
        // Which file holds the judged bytes now; none when it changed or is gone.
        let Some(judged_file) = self.file_holding(&dir, &name, judged, &at)? else {
            return Ok(false);
        };
        let qpath = format!("{QUARANTINE_DIR}/{entity}");
        self.root
            .create_dir_all(&qpath)
            .map_err(|e| self.io("cannot create folder", &qpath, e))?;
        let qdir = self
            .root
            .open_dir(&qpath)
            .map_err(|e| self.io("cannot open folder", &qpath, e))?;
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let stamp = format!(
            "{}-{:06x}",
            now.as_millis(),
            rand::rng().random::<u32>() & 0xff_ffff
        );
        let qname = format!("{id}.{stamp}{DOC_SUFFIX}");
        dir.rename(&name, &qdir, &qname)
            .map_err(|e| self.io("cannot move to the quarantine", &at, e))?;
        // A writer may have replaced the file between the comparison and the move (writes
        // are a rename onto the name, so a new document is a new file). Then the moved file
        // is the writer's: link it back unless an even newer one is there already.
        let moved = qdir
            .metadata(&qname)
            .map_err(|e| self.io("cannot inspect", &format!("{qpath}/{qname}"), e))?;
        if (moved.dev(), moved.ino()) != judged_file {
            return match qdir.hard_link(&qname, &dir, &name) {
                Ok(()) => {
                    qdir.remove_file(&qname)
                        .map_err(|e| self.io("cannot remove", &format!("{qpath}/{qname}"), e))?;
                    sync_dir(&dir).map_err(|e| self.io("cannot fsync folder", entity, e))?;
                    Ok(false)
                }
                // Superseded by a newer write: that one is live, this one is kept here.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
                Err(e) => Err(self.io("cannot move back from the quarantine", &at, e)),
            };
        }
        let note = serde_json::json!({
            "entity": entity,
            "id": id,
            "reason": reason,
            "quarantinedAtMs": now.as_millis() as u64,
            "from": at,
        });
        let note_name = format!("{id}.{stamp}.reason{DOC_SUFFIX}");
        let write_note = || -> io::Result<()> {
            let mut f =
                qdir.open_with(&note_name, OpenOptions::new().write(true).create_new(true))?;
            f.write_all(note.to_string().as_bytes())?;
            f.sync_all()
        };
        // The document is in the quarantine already; a note that cannot be written (disk
        // full) is removed rather than left empty, and the move still counts.
        if let Err(e) = write_note() {
            let _ = qdir.remove_file(&note_name);
            tracing::warn!(
                "{}",
                self.io(
                    "cannot write the reason",
                    &format!("{qpath}/{note_name}"),
                    e
                )
            );
        }
        sync_dir(&qdir).map_err(|e| self.io("cannot fsync folder", &qpath, e))?;
        sync_dir(&dir).map_err(|e| self.io("cannot fsync folder", entity, e))?;
        Ok(true)
    }

    fn quarantine_list(&self) -> Result<Vec<Quarantined>, StorageError> {
        let mut found = Vec::new();
        let mut pending = vec![String::new()];
        while let Some(rel) = pending.pop() {
            let path = if rel.is_empty() {
                QUARANTINE_DIR.to_string()
            } else {
                format!("{QUARANTINE_DIR}/{rel}")
            };
            let dir = match self.root.open_dir(&path) {
                Ok(d) => d,
                Err(e) if is_absent(&e) => continue,
                Err(e) => return Err(self.io("cannot open folder", &path, e)),
            };
            let entries = dir
                .entries()
                .map_err(|e| self.io("cannot list", &path, e))?;
            for entry in entries.flatten() {
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                if is_dir {
                    pending.push(if rel.is_empty() {
                        name
                    } else {
                        format!("{rel}/{name}")
                    });
                    continue;
                }
                // `<id>.<ms>-<hex>.json` beside its `<id>.<ms>-<hex>.reason.json`.
                let Some(stem) = name.strip_suffix(DOC_SUFFIX) else {
                    continue;
                };
                if stem.ends_with(".reason") || rel.is_empty() {
                    continue;
                }
                let Some((id, stamp)) = stem.rsplit_once('.') else {
                    continue;
                };
                let at_ms = stamp
                    .split('-')
                    .next()
                    .and_then(|ms| ms.parse().ok())
                    .unwrap_or(0);
                let note = dir
                    .read(format!("{id}.{stamp}.reason{DOC_SUFFIX}"))
                    .ok()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
                let reason = note
                    .as_ref()
                    .and_then(|n| n["reason"].as_str())
                    .unwrap_or("(no reason recorded)")
                    .to_string();
                let size = entry.metadata().map_or(0, |m| m.len());
                found.push(Quarantined {
                    entity: rel.clone(),
                    id: id.to_string(),
                    at_ms,
                    reason,
                    size,
                    key: format!("{rel}/{name}"),
                });
            }
        }
        Ok(found)
    }

    fn quarantine_read(&self, q: &Quarantined) -> Result<Option<Vec<u8>>, StorageError> {
        let path = format!("{QUARANTINE_DIR}/{}", q.key);
        match self.root.read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if is_absent(&e) => Ok(None),
            Err(e) => Err(self.io("cannot read", &path, e)),
        }
    }

    fn quarantine_restore(&self, q: &Quarantined, replace: bool) -> Result<bool, StorageError> {
        let Some(bytes) = self.quarantine_read(q)? else {
            return Ok(false);
        };
        if replace {
            self.write(&q.entity, &q.id, &bytes)?;
        } else if !self.write_if_absent(&q.entity, &q.id, &bytes)? {
            return Ok(false);
        }
        self.quarantine_purge(q)?;
        Ok(true)
    }

    fn quarantine_purge(&self, q: &Quarantined) -> Result<(), StorageError> {
        let path = format!("{QUARANTINE_DIR}/{}", q.key);
        let note = path
            .strip_suffix(DOC_SUFFIX)
            .map(|stem| format!("{stem}.reason{DOC_SUFFIX}"));
        for file in std::iter::once(path.clone()).chain(note) {
            match self.root.remove_file(&file) {
                Ok(()) => {}
                Err(e) if is_absent(&e) => {}
                Err(e) => return Err(self.io("cannot remove", &file, e)),
            }
        }
        let folder = format!("{QUARANTINE_DIR}/{}", q.entity);
        if let Ok(dir) = self.root.open_dir(&folder) {
            sync_dir(&dir).map_err(|e| self.io("cannot fsync folder", &folder, e))?;
        }
        Ok(())
    }
}

impl FileStore {
    /// Opens a document file for reading; None when absent. Only a regular file is a
    /// document: anything else under a document's name (a FIFO, a device, a folder) is an
    /// error, found without blocking on it.
    fn open_document(
        &self,
        dir: &Dir,
        name: &str,
        at: &str,
    ) -> Result<Option<cap_std::fs::File>, StorageError> {
        let file = match dir.open_with(
            name,
            OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK),
        ) {
            Ok(f) => f,
            Err(e) if is_absent(&e) => return Ok(None),
            Err(e) => return Err(self.io("cannot open", at, e)),
        };
        let kind = file
            .metadata()
            .map_err(|e| self.io("cannot inspect", at, e))?
            .file_type();
        if !kind.is_file() {
            return Err(StorageError::Io(format!(
                "{at} is not a regular file, so not a document (a {}); leave it or remove it",
                if kind.is_dir() {
                    "folder"
                } else if kind.is_symlink() {
                    "symbolic link"
                } else {
                    "FIFO, socket or device"
                }
            )));
        }
        Ok(Some(file))
    }

    /// The device and inode of the document file `name` if it holds exactly `judged` now.
    fn file_holding(
        &self,
        dir: &Dir,
        name: &str,
        judged: &[u8],
        at: &str,
    ) -> Result<Option<(u64, u64)>, StorageError> {
        let Some(mut file) = self.open_document(dir, name, at)? else {
            return Ok(None);
        };
        let meta = file
            .metadata()
            .map_err(|e| self.io("cannot inspect", at, e))?;
        let mut bytes = Vec::with_capacity(judged.len());
        (&mut file)
            .take(judged.len() as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.io("cannot read", at, e))?;
        Ok((bytes == judged).then(|| (meta.dev(), meta.ino())))
    }
}

/// The id of an entry named `<id>.json` that is not hidden (temp files are) and not a folder
/// (a folder is an entity). Whatever else it is gets listed, so that it is read like every
/// document: a symbolic link to a document inside the store reads as that document, and a
/// FIFO, socket or device is reported as not a document instead of being skipped.
fn doc_id(entry: &cap_std::fs::DirEntry) -> Option<String> {
    let name = entry.file_name();
    let name = name.to_str()?;
    if name.starts_with('.') || entry.file_type().ok()?.is_dir() {
        return None;
    }
    name.strip_suffix(DOC_SUFFIX)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
}
