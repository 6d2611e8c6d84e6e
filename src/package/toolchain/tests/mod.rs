//! Unit tests of the build way each host takes.

use super::*;

const LINUX_X86: Host = Host {
    os: "linux",
    arch: "x86_64",
    gnu: true,
};
const LINUX_ARM: Host = Host {
    os: "linux",
    arch: "aarch64",
    gnu: true,
};
const ALPINE_X86: Host = Host {
    os: "linux",
    arch: "x86_64",
    gnu: false,
};
const MAC_ARM: Host = Host {
    os: "macos",
    arch: "aarch64",
    gnu: false,
};
const WINDOWS: Host = Host {
    os: "windows",
    arch: "x86_64",
    gnu: false,
};

#[test]
fn plain_cargo_only_where_the_host_is_linux_on_the_functions_cpu() {
    let way = build_way(Linker::Auto, Architecture::X86_64, LINUX_X86);
    assert_eq!(
        (way.zig, way.target.as_str()),
        (false, "x86_64-unknown-linux-gnu")
    );
    let way = build_way(Linker::Auto, Architecture::Arm64, LINUX_ARM);
    assert_eq!(
        (way.zig, way.target.as_str()),
        (false, "aarch64-unknown-linux-gnu")
    );
    for (host, arch, target) in [
        (
            LINUX_X86,
            Architecture::Arm64,
            "aarch64-unknown-linux-gnu.2.34",
        ),
        (
            LINUX_ARM,
            Architecture::X86_64,
            "x86_64-unknown-linux-gnu.2.34",
        ),
        (
            MAC_ARM,
            Architecture::Arm64,
            "aarch64-unknown-linux-gnu.2.34",
        ),
        (
            MAC_ARM,
            Architecture::X86_64,
            "x86_64-unknown-linux-gnu.2.34",
        ),
        (
            WINDOWS,
            Architecture::X86_64,
            "x86_64-unknown-linux-gnu.2.34",
        ),
        // musl Linux (Alpine) has no glibc to link Lambda's binary with.
        (
            ALPINE_X86,
            Architecture::X86_64,
            "x86_64-unknown-linux-gnu.2.34",
        ),
    ] {
        let way = build_way(Linker::Auto, arch, host);
        assert!(way.zig, "{host:?} {arch:?}");
        assert_eq!(way.target, target);
        assert_eq!(way.triple, arch.target_triple());
    }
}

#[test]
fn the_config_can_force_either_way() {
    let way = build_way(Linker::Zig, Architecture::X86_64, LINUX_X86);
    assert_eq!(
        (way.zig, way.target.as_str()),
        (true, "x86_64-unknown-linux-gnu.2.34")
    );
    let way = build_way(Linker::Cargo, Architecture::Arm64, MAC_ARM);
    assert_eq!(
        (way.zig, way.target.as_str()),
        (false, "aarch64-unknown-linux-gnu")
    );
}

#[test]
fn linux_binaries_run_natively_only_on_linux_of_their_cpu() {
    assert!(LINUX_X86.runs(Architecture::X86_64));
    assert!(!LINUX_X86.runs(Architecture::Arm64));
    assert!(LINUX_ARM.runs(Architecture::Arm64));
    assert!(!MAC_ARM.runs(Architecture::Arm64));
    // A musl host runs the glibc binary's CPU, but does not link for it.
    assert!(ALPINE_X86.runs(Architecture::X86_64));
    assert!(!ALPINE_X86.links_for(Architecture::X86_64));
    // Where Linux binaries cannot run at all, local runs build for the host: no qemu.
    assert!(launcher(Architecture::Arm64, MAC_ARM)
        .unwrap()
        .prefix
        .is_empty());
    assert!(launcher(Architecture::X86_64, LINUX_X86)
        .unwrap()
        .prefix
        .is_empty());
}
