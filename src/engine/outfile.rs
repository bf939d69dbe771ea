//! Every file rolodex writes for the user (`--report`, `--errors`, the wizard's results,
//! error and retry files) goes through here, so that none of them can destroy data:
//!
//! - a target that is the store, one of the store's files or the file being imported is
//!   refused before anything is written, by path (the parent folder canonicalized, so `./x`,
//!   `../d/x` and a symlinked folder all compare equal) and by (device, inode) for files
//!   that exist (a hard link or a symlink to the store is the store);
//! - two outputs naming the same file are refused;
//! - the file is written to a new temporary file beside the target and renamed over it only
//!   when complete, so a failed write leaves an existing file as it was, and a symlink at
//!   the target is replaced by the rename, never followed;
//! - permissions never widen: a new file is 0600 (reports hold personal data); a file that
//!   existed is replaced by one with its owner bits only (`mode & 0o600`).

use std::fs::Metadata;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Owner read and write: the most a written file ever allows.
const PRIVATE: u32 = 0o600;

/// How deep a chain of symlinks is followed when resolving a target (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Why an output file was refused or could not be written. Each message names the file and
/// says what to do.
#[derive(Debug, thiserror::Error)]
pub enum OutfileError {
    /// The target is a file rolodex must never overwrite.
    #[error("{label} {path} is {what}: writing it would destroy {loses}; give another file name", path = .path.display())]
    Protected {
        label: String,
        path: PathBuf,
        what: String,
        loses: &'static str,
    },
    #[error("{first} and {second} both name {path}; give each its own file", path = .path.display())]
    Same {
        first: String,
        second: String,
        path: PathBuf,
    },
    #[error("{label} {path} is not a regular file (a folder, device or pipe); give the path of a file to create or replace", path = .path.display())]
    NotAFile { label: String, path: PathBuf },
    /// No file can be created beside the target: a path the user gave that cannot be used.
    #[error("{label} {path} cannot be written: {why}; give a path in a folder you can write to", path = .path.display())]
    Unusable {
        label: String,
        path: PathBuf,
        why: String,
    },
    #[error("{label} {path} could not be written: {source}", path = .path.display())]
    Write {
        label: String,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// What the file was to be written from could not be read.
    #[error("{label} {path} could not be written: {message}", path = .path.display())]
    Source {
        label: String,
        path: PathBuf,
        message: String,
    },
}

impl OutfileError {
    /// Whether the path the user gave is at fault (bad usage), rather than the writing.
    pub fn is_bad_path(&self) -> bool {
        matches!(
            self,
            OutfileError::Protected { .. }
                | OutfileError::Same { .. }
                | OutfileError::NotAFile { .. }
                | OutfileError::Unusable { .. }
        )
    }
}

/// One file that outputs must never resolve to.
#[derive(Debug)]
struct Guarded {
    /// "the contact store (s.redb)", "the file being imported (in.csv)"
    what: String,
    /// What a sidecar of it is called: "a file of the contact store (s.redb)".
    sidecar_what: String,
    loses: &'static str,
    /// Where it is, as named and with symlinks at its last component followed.
    places: Vec<PathBuf>,
    /// (device, inode) of the file and, for the store, of its sidecars that exist.
    ids: Vec<(u64, u64)>,
    /// The store's sidecars (`<store>.lock`, `<store>-wal`, …) are the store's too.
    sidecars: bool,
}

impl Guarded {
    /// What `target` is of this file's, if anything.
    fn holds(&self, target: &Target) -> Option<&str> {
        let same = target.places.iter().any(|p| self.places.contains(p))
            || target.ids.iter().any(|id| self.ids.contains(id));
        if same {
            return Some(&self.what);
        }
        let sidecar = self.sidecars
            && target
                .places
                .iter()
                .any(|p| self.places.iter().any(|store| is_sidecar_of(store, p)));
        sidecar.then_some(self.sidecar_what.as_str())
    }
}

/// `<store>.anything` or `<store>-anything` in the store's folder.
fn is_sidecar_of(store: &Path, place: &Path) -> bool {
    let (Some(dir), Some(name)) = (store.parent(), store.file_name()) else {
        return false;
    };
    let (Some(other_dir), Some(other)) = (place.parent(), place.file_name()) else {
        return false;
    };
    if dir != other_dir {
        return false;
    }
    let (name, other) = (name.as_encoded_bytes(), other.as_encoded_bytes());
    other.len() > name.len() && other.starts_with(name) && matches!(other[name.len()], b'.' | b'-')
}

/// The files outputs must never overwrite: the store and its sidecars, the input file.
#[derive(Debug, Default)]
pub struct Protected {
    files: Vec<Guarded>,
}

impl Protected {
    pub fn new() -> Protected {
        Protected::default()
    }

    /// The store at `path` (whether it exists yet or not) and every file beside it whose
    /// name starts with the store's name and `.` or `-`.
    pub fn store(mut self, path: &Path) -> Protected {
        let places = places_of(path);
        let mut ids: Vec<(u64, u64)> = [std::fs::metadata(path), std::fs::symlink_metadata(path)]
            .into_iter()
            .filter_map(|m| m.ok().as_ref().and_then(file_id))
            .collect();
        // Sidecars that exist, by inode too: a hard link to one is the store's as well.
        for place in &places {
            let Some(dir) = place.parent() else { continue };
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                if is_sidecar_of(place, &entry.path()) {
                    if let Some(id) = entry.metadata().ok().as_ref().and_then(file_id) {
                        ids.push(id);
                    }
                }
            }
        }
        self.files.push(Guarded {
            what: format!("the contact store ({})", path.display()),
            sidecar_what: format!("a file of the contact store ({})", path.display()),
            loses: "the store and every contact in it",
            places,
            ids,
            sidecars: true,
        });
        self
    }

    /// The file being imported (or that a job imported).
    pub fn input(mut self, path: &Path) -> Protected {
        let ids = [std::fs::metadata(path), std::fs::symlink_metadata(path)]
            .into_iter()
            .filter_map(|m| m.ok().as_ref().and_then(file_id))
            .collect();
        self.files.push(Guarded {
            what: format!("the file being imported ({})", path.display()),
            sidecar_what: String::new(),
            loses: "the contacts in it",
            places: places_of(path),
            ids,
            sidecars: false,
        });
        self
    }

    /// What `target` would overwrite, and what that would lose.
    fn guard(&self, target: &Target) -> Option<(&str, &'static str)> {
        self.files
            .iter()
            .find_map(|g| g.holds(target).map(|what| (what, g.loses)))
    }
}

/// A file to write: what to call it in messages (`--report`, "the error file") and where.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub label: &'a str,
    pub path: &'a Path,
}

/// Where a requested file would land, worked out once.
struct Target {
    /// The file the rename replaces: the canonical folder plus the file name (a symlink at
    /// the last component is this, not what it points to).
    at: PathBuf,
    /// `at`, and what a symlink there leads to.
    places: Vec<PathBuf>,
    /// (device, inode) of what exists there: the link itself and what it leads to.
    ids: Vec<(u64, u64)>,
    /// The mode of a regular file already there, not through a symlink.
    existing_mode: Option<u32>,
}

impl Target {
    fn of(request: &Request) -> Result<Target, OutfileError> {
        let path = request.path;
        let not_a_file = || OutfileError::NotAFile {
            label: request.label.to_string(),
            path: path.to_path_buf(),
        };
        let Some(at) = place(path) else {
            return Err(not_a_file());
        };
        let followed = std::fs::metadata(path);
        if followed.as_ref().is_ok_and(|m| !m.is_file()) {
            return Err(not_a_file());
        }
        let places = places_of(path);
        // `/dev/stdout` is a symlink that may lead to a regular file: replacing it would
        // break the system's own link (as root), so nothing under these is ever a target.
        if places.iter().chain([&at]).any(|p| is_system_place(p)) {
            return Err(not_a_file());
        }
        let own = std::fs::symlink_metadata(path);
        // Another rolodex store (not the one in use, which `Protected` names): replacing it
        // would lose every contact in it.
        if own.as_ref().is_ok_and(|m| m.is_file()) && starts_with_redb_magic(path) {
            return Err(OutfileError::Protected {
                label: request.label.to_string(),
                path: path.to_path_buf(),
                what: "a contact store".to_string(),
                loses: "the store and every contact in it",
            });
        }
        let existing_mode = own.as_ref().ok().filter(|m| m.is_file()).and_then(mode_of);
        let ids = [followed, own]
            .into_iter()
            .filter_map(|m| m.ok().as_ref().and_then(file_id))
            .collect();
        Ok(Target {
            at,
            places,
            ids,
            existing_mode,
        })
    }

    fn overlaps(&self, other: &Target) -> bool {
        self.places.iter().any(|p| other.places.contains(p))
            || self.ids.iter().any(|id| other.ids.contains(id))
    }
}

/// The canonical folder of `path` plus its file name, without following a symlink at the
/// last component. A folder that does not exist is made absolute as written. `None` when
/// the path has no file name (`/`, `..`).
fn place(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = std::fs::canonicalize(parent)
        .or_else(|_| std::path::absolute(parent))
        .unwrap_or_else(|_| parent.to_path_buf());
    Some(dir.join(name))
}

/// Folders of the system's own devices and processes, never a place for a report.
fn is_system_place(place: &Path) -> bool {
    ["/dev", "/proc", "/sys"]
        .iter()
        .any(|root| place.starts_with(root))
}

/// The first bytes of every redb file (and so of every rolodex store).
const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

fn starts_with_redb_magic(path: &Path) -> bool {
    let mut head = [0u8; REDB_MAGIC.len()];
    std::fs::File::open(path)
        .and_then(|mut f| io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| head == REDB_MAGIC)
}

/// `place(path)` and, when a symlink is there, the place its chain of links ends at
/// (which need not exist).
fn places_of(path: &Path) -> Vec<PathBuf> {
    let mut places: Vec<PathBuf> = place(path).into_iter().collect();
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let Ok(link) = std::fs::read_link(&current) else {
            break;
        };
        current = match current.parent() {
            Some(dir) if link.is_relative() => dir.join(link),
            _ => link,
        };
        if let Some(p) = place(&current) {
            if !places.contains(&p) {
                places.push(p);
            }
        }
    }
    places
}

#[cfg(unix)]
fn file_id(meta: &Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &Metadata) -> Option<(u64, u64)> {
    None
}

#[cfg(unix)]
fn mode_of(meta: &Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_of(_: &Metadata) -> Option<u32> {
    None
}

/// The mode of the file that replaces one with `existing` (or that is new): never wider
/// than the old file, never readable by anyone but its owner.
pub fn replacement_mode(existing: Option<u32>) -> u32 {
    existing.map_or(PRIVATE, |m| m & PRIVATE)
}

/// Checks every request against `protected` and against each other, then opens a temporary
/// file beside each. Nothing is written to any target until `OutFile::commit`; on an error
/// every temporary file opened so far is removed again.
pub fn open_all(requests: &[Request], protected: &Protected) -> Result<Vec<OutFile>, OutfileError> {
    let mut targets: Vec<Target> = Vec::with_capacity(requests.len());
    for request in requests {
        let target = Target::of(request)?;
        if let Some((what, loses)) = protected.guard(&target) {
            return Err(OutfileError::Protected {
                label: request.label.to_string(),
                path: request.path.to_path_buf(),
                what: what.to_string(),
                loses,
            });
        }
        if let Some(i) = targets.iter().position(|t| t.overlaps(&target)) {
            return Err(OutfileError::Same {
                first: requests[i].label.to_string(),
                second: request.label.to_string(),
                path: request.path.to_path_buf(),
            });
        }
        targets.push(target);
    }
    requests
        .iter()
        .zip(targets)
        .map(|(request, target)| OutFile::open(request, target))
        .collect()
}

/// A results file and an error file, either left out: `open_all` of those given, each
/// handed back in its place (`--report`/`--errors`, the wizard's job files).
pub fn open_pair(
    first: (&str, Option<&Path>),
    second: (&str, Option<&Path>),
    protected: &Protected,
) -> Result<(Option<OutFile>, Option<OutFile>), OutfileError> {
    let requests: Vec<Request> = [first, second]
        .into_iter()
        .filter_map(|(label, path)| path.map(|path| Request { label, path }))
        .collect();
    let mut opened = open_all(&requests, protected)?.into_iter();
    let a = first.1.and_then(|_| opened.next());
    let b = second.1.and_then(|_| opened.next());
    Ok((a, b))
}

/// Checks and opens one file (see `open_all`).
pub fn open(request: Request, protected: &Protected) -> Result<OutFile, OutfileError> {
    let mut files = open_all(&[request], protected)?;
    files.pop().ok_or_else(|| OutfileError::Unusable {
        label: request.label.to_string(),
        path: request.path.to_path_buf(),
        why: "no file was opened".into(),
    })
}

/// A file being written: a temporary file beside its target until `commit` renames it into
/// place. Dropped without `commit`, it is removed and the target stays as it was.
#[derive(Debug)]
pub struct OutFile {
    label: String,
    /// As the user named it, for messages.
    shown: PathBuf,
    /// Where the rename puts it.
    at: PathBuf,
    file: BufWriter<std::fs::File>,
    /// Removes the temporary file when dropped before `commit`.
    temp: tempfile::TempPath,
}

impl OutFile {
    fn open(request: &Request, target: Target) -> Result<OutFile, OutfileError> {
        let unusable = |why: String| OutfileError::Unusable {
            label: request.label.to_string(),
            path: request.path.to_path_buf(),
            why,
        };
        let dir = target.at.parent().unwrap_or(Path::new("."));
        let name = target
            .at
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".rolodex-tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(replacement_mode(
                target.existing_mode,
            )));
        }
        let temp = builder.tempfile_in(dir).map_err(|e| {
            unusable(match e.kind() {
                io::ErrorKind::NotFound => format!("the folder {} does not exist", dir.display()),
                io::ErrorKind::PermissionDenied => {
                    format!("you cannot create files in {}", dir.display())
                }
                _ => format!("cannot create a file in {}: {e}", dir.display()),
            })
        })?;
        // The umask may have narrowed the mode further; it never widens it. Set it again so
        // the rule holds whatever the umask.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = replacement_mode(target.existing_mode);
            temp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(|e| unusable(format!("cannot set its permissions: {e}")))?;
        }
        // Written through the plain file, so errors name the target, not the temporary file.
        let (file, temp) = temp.into_parts();
        Ok(OutFile {
            label: request.label.to_string(),
            shown: request.path.to_path_buf(),
            at: target.at,
            file: BufWriter::new(file),
            temp,
        })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// The path as the user named it.
    pub fn path(&self) -> &Path {
        &self.shown
    }

    /// A write error on this file, with its name.
    pub fn error(&self, source: io::Error) -> OutfileError {
        OutfileError::Write {
            label: self.label.clone(),
            path: self.shown.clone(),
            source,
        }
    }

    /// A failure to read what this file is written from.
    pub fn source_error(&self, message: String) -> OutfileError {
        OutfileError::Source {
            label: self.label.clone(),
            path: self.shown.clone(),
            message,
        }
    }

    /// Flushes the file to disk and renames it over the target (replacing a symlink there,
    /// never writing through it). On an error the temporary file is removed.
    pub fn commit(self) -> Result<PathBuf, OutfileError> {
        let write_err = |source: io::Error| OutfileError::Write {
            label: self.label.clone(),
            path: self.shown.clone(),
            source,
        };
        let file = self
            .file
            .into_inner()
            .map_err(|e| write_err(e.into_error()))?;
        // On disk before the rename: a crash never leaves a short file in the old one's place.
        file.sync_all().map_err(write_err)?;
        drop(file);
        self.temp
            .persist(&self.at)
            .map_err(|e| write_err(e.error))?;
        // The rename itself, durably; a folder that cannot be synced is no reason to fail.
        if let Some(dir) = self.at.parent() {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(self.shown)
    }
}

/// The file under a CSV writer, every row flushed into it.
pub fn unwrap_csv(writer: csv::Writer<OutFile>) -> Result<OutFile, OutfileError> {
    writer.into_inner().map_err(|e| {
        let error = io::Error::new(e.error().kind(), e.error().to_string());
        e.into_inner().get_ref().error(error)
    })
}

/// Creates `dir` and its missing parents, readable by their owner only (the files put in
/// them hold personal data).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(label: &'a str, path: &'a Path) -> Request<'a> {
        Request { label, path }
    }

    fn write(path: &Path, protected: &Protected, text: &str) -> Result<(), OutfileError> {
        let mut f = open(request("--report", path), protected)?;
        f.write_all(text.as_bytes()).map_err(|e| f.error(e))?;
        f.commit().map(|_| ())
    }

    #[test]
    fn the_systems_devices_are_never_a_target_even_through_a_link() {
        // Only resolved, never opened: a regression here must not replace /dev/stdout.
        for path in [
            "/dev/stdout",
            "/dev/stderr",
            "/proc/self/fd/1",
            "/dev/null",
            "/sys/x",
        ] {
            let target = Target::of(&request("--report", Path::new(path)));
            assert!(
                matches!(target, Err(OutfileError::NotAFile { .. })),
                "{path}: {target:?}",
                target = target.map(|t| t.at)
            );
        }
        let dir = tempfile::tempdir().unwrap();
        #[cfg(unix)]
        {
            let link = dir.path().join("out.csv");
            std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();
            assert!(Target::of(&request("--report", &link)).is_err());
        }
    }

    #[test]
    fn another_store_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.redb");
        let mut bytes = REDB_MAGIC.to_vec();
        bytes.extend_from_slice(b"rest of a store");
        std::fs::write(&other, &bytes).unwrap();
        let refused = write(&other, &Protected::new(), "a,b\n");
        assert!(
            matches!(refused, Err(OutfileError::Protected { .. })),
            "{refused:?}"
        );
        assert_eq!(std::fs::read(&other).unwrap(), bytes);
    }

    #[test]
    fn sidecars_are_names_that_extend_the_stores() {
        let store = Path::new("/d/s.redb");
        assert!(is_sidecar_of(store, Path::new("/d/s.redb.lock")));
        assert!(is_sidecar_of(store, Path::new("/d/s.redb-wal")));
        assert!(!is_sidecar_of(store, Path::new("/d/s.redb")));
        assert!(!is_sidecar_of(store, Path::new("/d/s.redbx")));
        assert!(!is_sidecar_of(store, Path::new("/e/s.redb.lock")));
        assert!(!is_sidecar_of(store, Path::new("/d/t.redb.lock")));
    }

    #[test]
    fn the_mode_never_widens() {
        assert_eq!(replacement_mode(None), 0o600);
        assert_eq!(replacement_mode(Some(0o644)), 0o600);
        assert_eq!(replacement_mode(Some(0o666)), 0o600);
        assert_eq!(replacement_mode(Some(0o400)), 0o400);
        assert_eq!(replacement_mode(Some(0o200)), 0o200);
        assert_eq!(replacement_mode(Some(0o000)), 0o000);
    }

    #[test]
    fn the_store_is_refused_by_any_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("s.redb");
        std::fs::write(&store, b"store").unwrap();
        let protected = Protected::new().store(&store);
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let dotted = sub.join("..").join("s.redb");
        let hard = dir.path().join("hard");
        std::fs::hard_link(&store, &hard).unwrap();
        let lock = dir.path().join("s.redb.lock");
        for path in [&store, &dotted, &hard, &lock] {
            let e = write(path, &protected, "x").unwrap_err();
            assert!(
                matches!(e, OutfileError::Protected { .. }),
                "{}: {e}",
                path.display()
            );
        }
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&store, &link).unwrap();
            assert!(matches!(
                write(&link, &protected, "x"),
                Err(OutfileError::Protected { .. })
            ));
        }
        assert_eq!(std::fs::read(&store).unwrap(), b"store");
    }

    #[test]
    fn a_store_not_yet_created_is_refused_too() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("new.redb");
        let protected = Protected::new().store(&store);
        assert!(matches!(
            write(&store, &protected, "x"),
            Err(OutfileError::Protected { .. })
        ));
        assert!(!store.exists());
    }

    #[test]
    fn two_outputs_naming_one_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join(".").join("a.csv");
        let e = open_all(
            &[request("--report", &a), request("--errors", &b)],
            &Protected::new(),
        )
        .unwrap_err();
        assert!(matches!(e, OutfileError::Same { .. }), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.csv");
        std::fs::write(&target, "old").unwrap();
        {
            let mut f = open(request("--report", &target), &Protected::new()).unwrap();
            f.write_all(b"half").unwrap();
            // Dropped without commit, as on an error.
        }
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_or_device_is_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            write(dir.path(), &Protected::new(), "x"),
            Err(OutfileError::NotAFile { .. })
        ));
        #[cfg(unix)]
        assert!(matches!(
            write(Path::new("/dev/null"), &Protected::new(), "x"),
            Err(OutfileError::NotAFile { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_replaced_not_followed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "mine").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("r.csv");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        write(&link, &Protected::new(), "report").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
        let meta = std::fs::symlink_metadata(&link).unwrap();
        assert!(meta.file_type().is_file());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "report");
    }
}
