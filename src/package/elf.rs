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
                "needs GLIBC_{major}.{minor}, but Lambda's provided.al2023 has glibc {}.{}; it would fail at cold start\n  hint: set `linker = \"zig\"` under [handler] in the config: backend-ctl then builds with cargo zigbuild for {}.2.34, which pins glibc to Lambda's (pip3 install cargo-zigbuild ziglang)",
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
mod tests;
