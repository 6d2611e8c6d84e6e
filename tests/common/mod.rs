//! Test harness: one emulator (moto + our extension) per test binary, a
//! recording proxy and a project folder per test, and SDK clients that read
//! the emulator's state directly (their calls are not recorded).
//!
//! Every test binary links all of it and uses a part: hence the allows below.
#![allow(dead_code)]

pub mod proxy;

mod clients;
mod endpoints;
mod handlers;
mod servers;
mod snapshots;
mod stacks;

// Flat, as the tests name them (`common::Project`, `common::decode`).
#[allow(unused_imports)]
pub use clients::{decode, https_client, Aws};
#[allow(unused_imports)]
pub use endpoints::{
    emulator_account, emulator_authorize, emulator_produced, emulator_switches, issued_credentials,
    sns_confirm, sns_published,
};
#[allow(unused_imports)]
pub use handlers::{tools_path, which};
pub use proxy::Recorder;
#[allow(unused_imports)]
pub use servers::{emulator, repo, Emulator, REGION};
#[allow(unused_imports)]
pub use stacks::{Names, Project, Run, Settings, COUNTED, FAST};
