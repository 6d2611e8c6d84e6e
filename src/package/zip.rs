//! A deterministic Lambda zip: one entry `bootstrap`, mode 0755, a fixed
//! timestamp, so identical code always gives the identical `CodeSha256`.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Zips the binary in memory as `bootstrap`.
pub fn bootstrap_zip(binary: &[u8]) -> Result<Vec<u8>, zip::result::ZipError> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::with_capacity(binary.len() / 2)));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o755);
    writer.start_file("bootstrap", options)?;
    writer.write_all(binary)?;
    Ok(writer.finish()?.into_inner())
}

/// What the zip of a binary depends on besides its bytes: bump it when
/// `bootstrap_zip` changes, so that no zip made the old way is reused.
const ZIP_FORMAT: &str = "bootstrap-deflate9-v1";

/// `bootstrap_zip` of the binary at `binary`, reused from beside it
/// (`{binary}.zip`, and `{binary}.zip.key` naming the format, the binary's
/// SHA-256 and the zip's `CodeSha256`) when the binary is unchanged: deflate
/// at level 9 is most of a no-op `up`'s CPU. A cache that does not match,
/// or fails its own hash, is made again; one that cannot be written is
/// only a lost shortcut.
pub fn cached_bootstrap_zip(binary: &Path, bytes: &[u8]) -> Result<Vec<u8>, zip::result::ZipError> {
    let (zip_path, key_path) = (beside(binary, "zip"), beside(binary, "zip.key"));
    let binary_sha = hex(&Sha256::digest(bytes));
    let key = |zip: &[u8]| format!("{ZIP_FORMAT} {binary_sha} {}\n", code_sha256(zip));
    if let (Ok(stored_key), Ok(zip)) =
        (std::fs::read_to_string(&key_path), std::fs::read(&zip_path))
    {
        if stored_key == key(&zip) {
            return Ok(zip);
        }
    }
    let zip = bootstrap_zip(bytes)?;
    let _ = write_atomically(&zip_path, &zip)
        .and_then(|()| write_atomically(&key_path, key(&zip).as_bytes()));
    Ok(zip)
}

fn beside(binary: &Path, extension: &str) -> PathBuf {
    let mut name = binary.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes through a file of this process's own, renamed over `path`, so
/// that a reader sees the old bytes or the new, never half.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// base64(SHA-256(zip)), which Lambda reports as `CodeSha256`.
pub fn code_sha256(zip: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(zip))
}

#[cfg(test)]
mod tests;
