//! Unit tests of the deterministic zip and its CodeSha256.

use super::*;
use std::io::Read;

#[test]
fn same_bytes_give_the_same_zip_and_hash() {
    let a = bootstrap_zip(b"\x7fELF binary").unwrap();
    let b = bootstrap_zip(b"\x7fELF binary").unwrap();
    assert_eq!(a, b);
    assert_eq!(code_sha256(&a), code_sha256(&b));
    let c = bootstrap_zip(b"\x7fELF other").unwrap();
    assert_ne!(code_sha256(&a), code_sha256(&c));
}

#[test]
fn the_entry_is_an_executable_bootstrap() {
    let zip = bootstrap_zip(b"payload").unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    assert_eq!(archive.len(), 1);
    let mut entry = archive.by_index(0).unwrap();
    assert_eq!(entry.name(), "bootstrap");
    assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
    let mut body = Vec::new();
    entry.read_to_end(&mut body).unwrap();
    assert_eq!(body, b"payload");
}

#[test]
fn code_sha256_is_base64_of_sha256() {
    // sha256("") = e3b0c442...; its base64 is well known.
    assert_eq!(
        code_sha256(b""),
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
}

#[test]
fn a_cached_zip_is_the_same_zip_and_is_made_again_when_anything_differs() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("bootstrap");
    let fresh = bootstrap_zip(b"\x7fELF one").unwrap();

    // First: made, and kept beside the binary.
    assert_eq!(
        cached_bootstrap_zip(&binary, b"\x7fELF one").unwrap(),
        fresh
    );
    let kept = dir.path().join("bootstrap.zip");
    assert_eq!(std::fs::read(&kept).unwrap(), fresh);

    // Reused, not made again: a kept zip of other bytes under a key that
    // names this binary is what comes back.
    let key = dir.path().join("bootstrap.zip.key");
    let key_text = std::fs::read_to_string(&key).unwrap();
    assert!(key_text.starts_with(ZIP_FORMAT), "{key_text}");
    assert!(key_text.contains(&code_sha256(&fresh)), "{key_text}");
    let sentinel = bootstrap_zip(b"sentinel").unwrap();
    std::fs::write(&kept, &sentinel).unwrap();
    std::fs::write(
        &key,
        key_text.replace(&code_sha256(&fresh), &code_sha256(&sentinel)),
    )
    .unwrap();
    assert_eq!(
        cached_bootstrap_zip(&binary, b"\x7fELF one").unwrap(),
        sentinel
    );

    // Another binary: another zip, and the cache now holds it.
    let other = bootstrap_zip(b"\x7fELF two").unwrap();
    assert_eq!(
        cached_bootstrap_zip(&binary, b"\x7fELF two").unwrap(),
        other
    );
    assert_eq!(std::fs::read(&kept).unwrap(), other);

    // A kept zip that was damaged fails its own hash: made again, right.
    std::fs::write(&kept, b"damaged").unwrap();
    assert_eq!(
        cached_bootstrap_zip(&binary, b"\x7fELF two").unwrap(),
        other
    );
    assert_eq!(std::fs::read(&kept).unwrap(), other);

    // A cache that cannot be written is only a lost shortcut.
    let nowhere = dir.path().join("missing-dir/bootstrap");
    assert_eq!(
        cached_bootstrap_zip(&nowhere, b"\x7fELF one").unwrap(),
        fresh
    );
}
