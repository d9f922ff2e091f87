//! Reading untrusted files: the sandbox a design may read from, the limits on what is read, and
//! the checks that a picture or font is whole before anything uses it.

pub mod assets;
pub mod confine;
pub mod font;
pub mod fontdirs;
pub mod limits;
pub mod picture;

use std::io::Read;
use std::path::Path;

use crate::base::diag::{Diagnostic, Result, Source};

/// Reads a UTF-8 text file (a design, campaign, participants list or printer profile); a
/// missing, special (a FIFO, device or folder), oversized or non-UTF-8 file is an error naming
/// it.
pub fn read_text(path: &Path) -> Result<Source> {
    let bytes = read_limited(path, limits::MAX_TEXT_FILE_BYTES, "")?;
    Source::from_bytes(path, bytes)
}

/// Reads a participants list as [`read_text`] does, and also one in UTF-16 with a byte order
/// mark: what a spreadsheet saves as "Unicode text".
pub fn read_list_text(path: &Path) -> Result<Source> {
    let bytes = read_limited(path, limits::MAX_TEXT_FILE_BYTES, "")?;
    match utf16(path, &bytes)? {
        Some(text) => Ok(Source { path: path.to_path_buf(), text }),
        None => Source::from_bytes(path, bytes),
    }
}

/// The text of UTF-16 bytes with a byte order mark (`FF FE` little-endian, as Excel's "Unicode
/// text" writes, or `FE FF` big-endian); `None` for bytes without one.
fn utf16(path: &Path, bytes: &[u8]) -> Result<Option<String>> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return Ok(None),
    };
    let bad = |what: &str| {
        Diagnostic::error(format!("the file starts as UTF-16 text (\"Unicode text\") but {what}"))
            .code("data.utf8")
            .in_file(path)
            .hint("save it as UTF-8 (in a spreadsheet: \"CSV UTF-8\"; in an editor: encoding UTF-8)")
    };
    let body = &bytes[2..];
    if !body.len().is_multiple_of(2) {
        return Err(bad("has an odd number of bytes").into());
    }
    let units = body
        .chunks_exact(2)
        .map(|p| if little { u16::from_le_bytes([p[0], p[1]]) } else { u16::from_be_bytes([p[0], p[1]]) });
    let mut text = String::with_capacity(body.len() / 2);
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => text.push(c),
            Err(e) => {
                let line = 1 + text.matches('\n').count();
                return Err(bad(&format!(
                    "has a broken character (0x{:04X}) on line {line}",
                    e.unpaired_surrogate()
                ))
                .into());
            }
        }
    }
    Ok(Some(text))
}

/// Refuses a TOML text (a design, campaign or printer profile) over
/// [`limits::MAX_TOML_BYTES`] before it is parsed.
pub fn toml_size(source: &Source) -> std::result::Result<(), Diagnostic> {
    if source.text.len() <= limits::MAX_TOML_BYTES {
        return Ok(());
    }
    let mib = |n: usize| n / (1024 * 1024);
    let size = if mib(source.text.len()) > mib(limits::MAX_TOML_BYTES) {
        format!("{} MiB", mib(source.text.len()))
    } else {
        format!("over {} MiB", mib(limits::MAX_TOML_BYTES))
    };
    Err(Diagnostic::error(format!(
        "{} is {size}; letterkit reads designs, campaigns and printer profiles up to {} MiB",
        source.path.display(),
        mib(limits::MAX_TOML_BYTES)
    ))
    .code("limit.toml-size")
    .hint("is it the right file? even a design of 2,000 elements is usually under 1 MiB"))
}

/// Reads an untrusted file of at most `limit` bytes; `what` names it in messages ("image",
/// "font", or "" for a design, campaign or participants list).
///
/// Only a regular file is read: a FIFO, a device, a socket or a folder is refused by its type
/// before it is opened, so `/dev/zero` or a named pipe neither hangs nor fills memory. The file
/// is opened without blocking (a FIFO swapped in after the first look does not wait for a
/// writer) and its type and size are checked again on the open file; then at most `limit + 1`
/// bytes are read, so a file that grows meanwhile is refused too.
pub fn read_limited(path: &Path, limit: u64, what: &str) -> std::result::Result<Vec<u8>, Diagnostic> {
    let verb = if what.is_empty() { "cannot read".to_string() } else { format!("cannot read {what}") };
    let cannot = |e: &std::io::Error| crate::base::diag::io_error(path, &verb, e).0.remove(0);
    let meta = std::fs::metadata(path).map_err(|e| cannot(&e))?;
    check_regular(path, &meta, limit, &verb, what)?;
    let file = open_nonblocking(path).map_err(|e| cannot(&e))?;
    let meta = file.metadata().map_err(|e| cannot(&e))?;
    check_regular(path, &meta, limit, &verb, what)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| cannot(&e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, what, limit, bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Refuses anything but a regular file, and a regular file over `limit` bytes.
fn check_regular(
    path: &Path,
    meta: &std::fs::Metadata,
    limit: u64,
    verb: &str,
    what: &str,
) -> std::result::Result<(), Diagnostic> {
    if !meta.is_file() {
        return Err(Diagnostic::error(format!(
            "{verb} {}: it is {}, not a regular file",
            path.display(),
            kind_of(meta)
        ))
        .hint("letterkit reads designs, campaigns, participants lists, pictures and fonts only from regular files"));
    }
    if meta.len() > limit {
        return Err(too_large(path, what, limit, meta.len()));
    }
    Ok(())
}

/// "huge.csv is 65 MiB; letterkit reads design, campaign and participants files up to 64 MiB".
fn too_large(path: &Path, what: &str, limit: u64, len: u64) -> Diagnostic {
    let mib = |n: u64| n / (1024 * 1024);
    let (name, files) = match what {
        "" => (String::new(), "design, campaign and participants files".to_string()),
        "image" => ("image ".to_string(), "pictures".to_string()),
        other => (format!("{other} "), format!("{other} files")),
    };
    let size =
        if mib(len) > mib(limit) { format!("{} MiB", mib(len)) } else { format!("over {} MiB", mib(limit)) };
    let d = Diagnostic::error(format!(
        "{name}{} is {size}; letterkit reads {files} up to {} MiB",
        path.display(),
        mib(limit)
    ));
    if what.is_empty() {
        d.hint("is it the right file? a participants list of 100,000 people is about 10 MiB")
    } else {
        d
    }
}

/// What a file that is not a regular file is, in words.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() { "a folder" } else { "a special file" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("name\tzip\r\nZoë\t02134".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(utf16(Path::new("a.csv"), &le).unwrap().unwrap(), "name\tzip\r\nZoë\t02134");
        let be: Vec<u8> =
            [0xFE, 0xFF].into_iter().chain("Zoë".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(utf16(Path::new("a.csv"), &be).unwrap().unwrap(), "Zoë");
        assert_eq!(utf16(Path::new("a.csv"), b"name,zip").unwrap(), None);
        let e = utf16(Path::new("a.csv"), &[0xFF, 0xFE, 0x41]).unwrap_err();
        assert_eq!(
            e.0[0].message,
            "the file starts as UTF-16 text (\"Unicode text\") but has an odd number of bytes"
        );
        let e = utf16(Path::new("a.csv"), &[0xFF, 0xFE, 0x0A, 0x00, 0x00, 0xD8]).unwrap_err();
        assert_eq!(
            e.0[0].message,
            "the file starts as UTF-16 text (\"Unicode text\") but has a broken character (0xD800) on line 2"
        );
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_and_reads_are_bounded() {
        let e = read_limited(Path::new("/dev/zero"), 10, "image").unwrap_err();
        assert!(e.message.contains("a character device, not a regular file"), "{}", e.message);
        let e = read_limited(Path::new("/"), 10, "").unwrap_err();
        assert!(e.message.contains("a folder"), "{}", e.message);
        let dir = std::env::temp_dir().join(format!("letterkit-read-limited-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("pipe");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let e = read_limited(&fifo, 10, "font").unwrap_err();
        assert!(e.message.contains("named pipe"), "{}", e.message);
        // Opening a FIFO without the first look must not wait for a writer either.
        let opened = open_nonblocking(&fifo).unwrap();
        assert!(!opened.metadata().unwrap().is_file());
        std::fs::write(dir.join("small"), b"12345").unwrap();
        assert_eq!(read_limited(&dir.join("small"), 5, "").unwrap(), b"12345");
        let e = read_limited(&dir.join("small"), 4, "").unwrap_err();
        assert!(e.message.contains("is over 0 MiB"), "{}", e.message);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
