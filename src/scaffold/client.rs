//! The app's side that `init` writes into an Android app: the Kotlin client
//! of `clients/kotlin` (embedded as it is, its package line put in), the
//! package it goes to (the module's `namespace` or `applicationId`, read by
//! `scaffold::gradle`, else the manifest's `package`),
//! and the Gradle lines and manifest permission it needs. Pure.

/// The client's own package in `clients/kotlin`, replaced on the first line.
pub const CLIENT_PACKAGE: &str = "dev.backendctl.client";

/// The sub-package of the app that receives the client.
pub const SUB_PACKAGE: &str = "backend";

/// The client's sources, as `clients/kotlin` compiles and tests them.
pub const CLIENT_TEMPLATES: &[(&str, &str)] = &[
    (
        "Backend.kt",
        include_str!("../../clients/kotlin/src/main/kotlin/dev/backendctl/client/Backend.kt"),
    ),
    (
        "BackendConfig.kt",
        include_str!("../../clients/kotlin/src/main/kotlin/dev/backendctl/client/BackendConfig.kt"),
    ),
    (
        "BackendException.kt",
        include_str!("../../clients/kotlin/src/main/kotlin/dev/backendctl/client/BackendException.kt"),
    ),
    (
        "CognitoIdentityPoolCredentialsProvider.kt",
        include_str!("../../clients/kotlin/src/main/kotlin/dev/backendctl/client/CognitoIdentityPoolCredentialsProvider.kt"),
    ),
    (
        "Greeter.kt",
        include_str!("../../clients/kotlin/src/main/kotlin/dev/backendctl/client/Greeter.kt"),
    ),
    (
        "IdentityStore.kt",
        include_str!("../../clients/kotlin/src/main/kotlin/dev/backendctl/client/IdentityStore.kt"),
    ),
    (
        "SharedPreferencesIdentityStore.kt",
        include_str!("../../clients/kotlin/src/main/kotlin/dev/backendctl/client/SharedPreferencesIdentityStore.kt"),
    ),
];

/// Versions the app's Gradle lines name; a test keeps them equal to
/// `clients/kotlin/pom.xml`, so the app builds what the tests ran.
pub const AWS_SDK_KOTLIN_LAMBDA: &str = "1.5.59";
pub const AWS_SDK_KOTLIN_COGNITO: &str = "1.5.15";
pub const KOTLIN: &str = "2.2.21";
pub const COROUTINES: &str = "1.10.2";
pub const SERIALIZATION: &str = "1.9.0";

/// Kotlin's hard keywords: a package segment spelled as one needs backticks.
const KEYWORDS: &[&str] = &[
    "as",
    "break",
    "class",
    "continue",
    "do",
    "else",
    "false",
    "for",
    "fun",
    "if",
    "in",
    "interface",
    "is",
    "null",
    "object",
    "package",
    "return",
    "super",
    "this",
    "throw",
    "true",
    "try",
    "typealias",
    "typeof",
    "val",
    "var",
    "when",
    "while",
];

/// The manifest's `package="…"` (apps from before Gradle's `namespace`).
pub fn manifest_package(manifest: &str) -> Option<String> {
    let start = manifest.find("package=\"")? + "package=\"".len();
    let end = manifest[start..].find('"')?;
    Some(manifest[start..start + end].to_string())
}

/// Whether the manifest asks for the network (`android.permission.INTERNET`).
pub fn has_internet_permission(manifest: &str) -> bool {
    manifest.contains("\"android.permission.INTERNET\"")
}

/// A Java/Kotlin package name: dot-separated identifiers.
pub fn is_package(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// The package the client goes to: `{app package}.backend`.
pub fn client_package(app_package: &str) -> String {
    format!("{app_package}.{SUB_PACKAGE}")
}

/// The package as Kotlin source spells it (keywords in backticks).
fn kotlin_package(package: &str) -> String {
    package
        .split('.')
        .map(|part| {
            if KEYWORDS.contains(&part) {
                format!("`{part}`")
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// One client source with its package line set to `package`.
pub fn render(text: &str, package: &str) -> String {
    let from = format!("package {CLIENT_PACKAGE}");
    text.replacen(&from, &format!("package {}", kotlin_package(package)), 1)
}

/// The client's files for `package`, as (file name, text).
pub fn files(package: &str) -> Vec<(String, String)> {
    CLIENT_TEMPLATES
        .iter()
        .map(|(name, text)| (name.to_string(), render(text, package)))
        .collect()
}

/// What the app module's Gradle file needs, as lines to paste.
pub fn gradle_lines() -> String {
    format!(
        "plugins {{\n    id(\"org.jetbrains.kotlin.plugin.serialization\") version \"{KOTLIN}\"\n}}\ndependencies {{\n    implementation(\"aws.sdk.kotlin:cognitoidentity:{AWS_SDK_KOTLIN_COGNITO}\")\n    implementation(\"aws.sdk.kotlin:lambda:{AWS_SDK_KOTLIN_LAMBDA}\")\n    implementation(\"org.jetbrains.kotlinx:kotlinx-coroutines-android:{COROUTINES}\")\n    implementation(\"org.jetbrains.kotlinx:kotlinx-serialization-json:{SERIALIZATION}\")\n}}\n"
    )
}

/// The manifest line that lets the app reach AWS.
pub const INTERNET_PERMISSION: &str =
    "<uses-permission android:name=\"android.permission.INTERNET\" />";
