//! Unit tests of the Kotlin client's templates: the clients/kotlin sources
//! with only the package line changed, the app's package found in Gradle
//! files and manifests, and Gradle lines that name the pom's versions.

use super::repo_file;
use crate::scaffold::client::*;

const CLIENT_DIR: &str = "clients/kotlin/src/main/kotlin/dev/backendctl/client";

#[test]
fn the_client_templates_are_every_source_of_clients_kotlin() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(CLIENT_DIR);
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = CLIENT_TEMPLATES
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    embedded.sort();
    assert_eq!(
        embedded, on_disk,
        "CLIENT_TEMPLATES must list every file of {CLIENT_DIR}"
    );
    assert!(!embedded.is_empty());
}

#[test]
fn each_file_is_the_clients_source_with_only_its_package_line_changed() {
    for (name, text) in files("com.example.shop.backend") {
        let original = repo_file(&format!("{CLIENT_DIR}/{name}"));
        let first = original.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            format!("package {CLIENT_PACKAGE}"),
            "{name} must start with its package line"
        );
        assert_eq!(
            original.matches(CLIENT_PACKAGE).count(),
            1,
            "{name} may name its package only on its first line"
        );
        let expected = original.replacen(
            &format!("package {CLIENT_PACKAGE}"),
            "package com.example.shop.backend",
            1,
        );
        assert_eq!(text, expected, "{name}");
    }
}

#[test]
fn keyword_segments_are_quoted_in_the_package_line() {
    let rendered = render("package dev.backendctl.client\n", "com.in.app.backend");
    assert_eq!(rendered, "package com.`in`.app.backend\n");
}

#[test]
fn an_older_apps_package_comes_from_its_manifest() {
    let manifest = r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.old.app">"#;
    assert_eq!(manifest_package(manifest).as_deref(), Some("com.old.app"));
    assert_eq!(client_package("com.old.app"), "com.old.app.backend");
}

#[test]
fn package_names_are_checked() {
    for good in ["com.example", "a", "org.my_shop.app2"] {
        assert!(is_package(good), "{good}");
    }
    for bad in ["", "com..x", "1com.x", "com.my-shop", "com.x."] {
        assert!(!is_package(bad), "{bad}");
    }
}

#[test]
fn the_internet_permission_is_recognised() {
    assert!(has_internet_permission(
        r#"<uses-permission android:name="android.permission.INTERNET" />"#
    ));
    assert!(!has_internet_permission(
        r#"<uses-permission android:name="android.permission.ACCESS_NETWORK_STATE" />"#
    ));
}

/// The text of `<tag>` under the element that holds `<artifactId>artifact</artifactId>`,
/// or of a top-level property `<tag>`.
fn pom_value(pom: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = pom
        .find(&open)
        .unwrap_or_else(|| panic!("pom.xml has no <{tag}>"))
        + open.len();
    let end = pom[start..].find('<').unwrap();
    pom[start..start + end].trim().to_string()
}

#[test]
fn the_gradle_lines_name_the_versions_the_client_is_tested_with() {
    let pom = repo_file("clients/kotlin/pom.xml");
    assert_eq!(
        AWS_SDK_KOTLIN_LAMBDA,
        pom_value(&pom, "aws.sdk.kotlin.lambda.version")
    );
    assert_eq!(
        AWS_SDK_KOTLIN_COGNITO,
        pom_value(&pom, "aws.sdk.kotlin.cognitoidentity.version")
    );
    assert_eq!(KOTLIN, pom_value(&pom, "kotlin.version"));
    assert_eq!(COROUTINES, pom_value(&pom, "kotlinx.coroutines.version"));
    assert_eq!(
        SERIALIZATION,
        pom_value(&pom, "kotlinx.serialization.version")
    );
    let lines = gradle_lines();
    for expected in [
        format!("implementation(\"aws.sdk.kotlin:cognitoidentity:{AWS_SDK_KOTLIN_COGNITO}\")"),
        format!("implementation(\"aws.sdk.kotlin:lambda:{AWS_SDK_KOTLIN_LAMBDA}\")"),
        format!("id(\"org.jetbrains.kotlin.plugin.serialization\") version \"{KOTLIN}\""),
    ] {
        assert!(lines.contains(&expected), "{lines}");
    }
}
