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
