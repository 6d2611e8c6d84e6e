//! Reading the handler's ELF before upload: the machine must match the
//! function's architecture, and no symbol may need a glibc newer than
//! `provided.al2023` has (2.34), or the function fails at cold start.

use goblin::elf::header::{EM_AARCH64, EM_X86_64};
use goblin::elf::Elf;

use crate::config::Architecture;

/// The glibc of Lambda's `provided.al2023`.
pub const MAX_GLIBC: (u32, u32) = (2, 34);

/// Checks a binary against the configured architecture and Lambda's glibc.
pub fn check(bytes: &[u8], arch: Architecture) -> Result<(), String> {
    let elf = Elf::parse(bytes)
        .map_err(|e| format!("is not an ELF executable ({e}); Lambda runs Linux binaries"))?;
    let (expected, name) = match arch {
        Architecture::X86_64 => (EM_X86_64, "x86_64"),
        Architecture::Arm64 => (EM_AARCH64, "aarch64"),
    };
    if elf.header.e_machine != expected {
        let found = match elf.header.e_machine {
            EM_X86_64 => "x86_64".to_string(),
            EM_AARCH64 => "aarch64".to_string(),
            other => format!("machine {other}"),
        };
        return Err(format!(
            "is built for {found}, but function.architecture is {} (needs {name})\n  hint: set function.architecture = \"{}\" in the config, or build for {name}",
            arch.as_str(),
            if found == "aarch64" { "arm64" } else { "x86_64" }
        ));
    }
    if let Some((major, minor)) = max_glibc(&elf) {
        if (major, minor) > MAX_GLIBC {
            return Err(format!(
                "needs GLIBC_{major}.{minor}, but Lambda's provided.al2023 has glibc {}.{}; it would fail at cold start\n  hint: build on an older distribution (glibc ≤ 2.34), use cargo-zigbuild with `--target {}.2.34`, or build for musl",
                MAX_GLIBC.0,
                MAX_GLIBC.1,
                arch.target_triple()
            ));
        }
    }
    Ok(())
}

/// The highest `GLIBC_x.y` version the binary requires, if any.
pub fn max_glibc(elf: &Elf) -> Option<(u32, u32)> {
    let verneed = elf.verneed.as_ref()?;
    let mut max = None;
    for need in verneed.iter() {
        for aux in need.iter() {
            if let Some(v) = elf.dynstrtab.get_at(aux.vna_name).and_then(parse_glibc) {
                max = max.max(Some(v));
            }
        }
    }
    max
}

fn parse_glibc(name: &str) -> Option<(u32, u32)> {
    let version = name.strip_prefix("GLIBC_")?;
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
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
}
