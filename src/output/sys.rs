//! The few file-system calls the writers need beyond plain `std::fs`: names nobody can guess,
//! files created only when new and never through a symbolic link, private folders, a folder's
//! fsync, and the one-step exchange of two folders.

use std::fs::File;
use std::io;
use std::path::Path;

/// 16 hex digits nobody can guess: SipHash keyed with the random keys std draws from the
/// operating system for each `RandomState`, over a counter, the pid and the time.
pub(crate) fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    format!("{:016x}", hasher.finish())
}

/// Whether `suffix` looks like one [`random_suffix`] made.
pub(crate) fn is_random_suffix(suffix: &str) -> bool {
    suffix.len() == 16 && suffix.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Creates `path` as a new file for writing: fails when anything is at that name, a symbolic
/// link included (`O_CREAT | O_EXCL | O_NOFOLLOW`), so a write never lands anywhere else.
pub(crate) fn create_new(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    options.open(path)
}

/// Opens an existing file for reading, refusing a symbolic link at its name.
pub(crate) fn open_no_follow(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    options.open(path)
}

/// Whether an error is the one `O_NOFOLLOW` gives for a symbolic link.
pub(crate) fn is_symlink_error(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Makes the folder `path` readable and writable by its owner only (0700). Fails when
/// anything is already at that name, a symbolic link included (`mkdir` never follows one).
pub(crate) fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)?;
    // The umask can only take bits away; make sure the owner can write into it.
    set_mode(path, 0o700)
}

/// Sets a folder's or file's permission bits (Unix; nothing elsewhere).
pub(crate) fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// A folder's permission bits (0o755 where there are none).
pub(crate) fn mode_of(metadata: &std::fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.permissions().mode() & 0o7777
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        0o755
    }
}

/// The permission bits a plain `mkdir` would give: 0777 less the umask, which Linux shows in
/// `/proc/self/status` (read there, because setting the umask to read it races with threads).
pub(crate) fn default_dir_mode() -> u32 {
    let umask = std::fs::read_to_string("/proc/self/status").ok().and_then(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Umask:").and_then(|v| u32::from_str_radix(v.trim(), 8).ok()))
    });
    0o777 & !umask.unwrap_or(0o022)
}

/// Flushes a folder's entries to disk: names made, renamed or removed in it survive a crash.
pub(crate) fn sync_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(path)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Whether two handles name the same file (device and inode).
pub(crate) fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        true
    }
}

/// The owner of a file (Unix user id; 0 elsewhere).
pub(crate) fn owner(metadata: &std::fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        metadata.uid()
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        0
    }
}

/// Whether process `pid` is running; on systems without `/proc`, it is taken to be.
pub(crate) fn pid_alive(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Swaps the folders at `a` and `b` in one step (Linux `renameat2` with `RENAME_EXCHANGE`):
/// at every instant each name holds one whole folder. `Unsupported` where the system or the
/// file system cannot.
pub(crate) fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        renameat2(a, b, libc::RENAME_EXCHANGE)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// Renames `from` to `to`, failing if anything is at `to` (Linux `RENAME_NOREPLACE`; a plain
/// rename elsewhere, which replaces only an empty folder).
pub(crate) fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        match renameat2(from, to, libc::RENAME_NOREPLACE) {
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) || e.raw_os_error() == Some(libc::ENOSYS) => {
                std::fs::rename(from, to)
            }
            other => other,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        std::fs::rename(from, to)
    }
}

#[cfg(target_os = "linux")]
fn renameat2(from: &Path, to: &Path, flags: libc::c_uint) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
    };
    let (from, to) = (c(from)?, c(to)?);
    // SAFETY: both arguments are NUL-terminated strings that live across the call; the call
    // only reads them.
    let status =
        unsafe { libc::renameat2(libc::AT_FDCWD, from.as_ptr(), libc::AT_FDCWD, to.as_ptr(), flags) };
    if status == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        // The file system (or an old kernel) cannot do this in one step.
        Some(libc::EINVAL) | Some(libc::ENOSYS) if flags == libc::RENAME_EXCHANGE => {
            Err(io::Error::new(io::ErrorKind::Unsupported, e))
        }
        _ => Err(e),
    }
}
