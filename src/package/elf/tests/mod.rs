//! Unit tests of the ELF checks, on binaries compiled here.

use super::*;

#[test]
fn parses_glibc_versions() {
    assert_eq!(parse_glibc("GLIBC_2.34"), Some((2, 34)));
    assert_eq!(parse_glibc("GLIBC_2.2.5"), Some((2, 2)));
    assert_eq!(parse_glibc("GLIBC_2"), Some((2, 0)));
    assert_eq!(parse_glibc("GLIBC_PRIVATE"), None);
    assert_eq!(parse_glibc("GCC_3.0"), None);
}

/// Compiles a C program with the machine's compiler (glibc 2.36 here).
fn compile_c(source: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("main.c");
    let bin = dir.path().join("main");
    std::fs::write(&c, source).unwrap();
    let status = std::process::Command::new("cc")
        .arg(&c)
        .arg("-o")
        .arg(&bin)
        .status()
        .expect("a C compiler (cc) is needed for this test");
    assert!(status.success());
    std::fs::read(bin).unwrap()
}

#[test]
fn accepts_a_binary_within_lambdas_glibc() {
    let bytes = compile_c("#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n");
    let elf = Elf::parse(&bytes).unwrap();
    assert!(max_glibc(&elf).is_some_and(|v| v <= MAX_GLIBC));
    check(&bytes, Architecture::X86_64).unwrap();
}

#[test]
fn rejects_a_binary_that_needs_a_newer_glibc() {
    // arc4random arrived in glibc 2.36.
    let bytes = compile_c(
        "#include <stdlib.h>\n#include <stdio.h>\nint main(void) { printf(\"%u\\n\", arc4random()); return 0; }\n",
    );
    let elf = Elf::parse(&bytes).unwrap();
    assert_eq!(max_glibc(&elf), Some((2, 36)));
    let err = check(&bytes, Architecture::X86_64).unwrap_err();
    assert!(err.contains("needs GLIBC_2.36"), "{err}");
    assert!(err.contains("2.34"), "{err}");
}

#[test]
fn rejects_a_binary_for_the_other_architecture() {
    let bytes = compile_c("int main(void) { return 0; }\n");
    let err = check(&bytes, Architecture::Arm64).unwrap_err();
    assert!(err.contains("built for x86_64"), "{err}");
    assert!(err.contains("function.architecture"), "{err}");
    // The same file claiming to be aarch64 (e_machine at offset 18, little-endian).
    let mut arm = bytes.clone();
    arm[18..20].copy_from_slice(&EM_AARCH64.to_le_bytes());
    let err = check(&arm, Architecture::X86_64).unwrap_err();
    assert!(err.contains("built for aarch64"), "{err}");
    assert!(err.contains("architecture = \"arm64\""), "{err}");
}

#[test]
fn rejects_what_is_not_elf() {
    let err = check(b"#!/bin/sh\necho hi\n", Architecture::X86_64).unwrap_err();
    assert!(err.contains("not an ELF"), "{err}");
}
