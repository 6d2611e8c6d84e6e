//! Unit tests of reading a build file's settings as Gradle's DSLs allow
//! them: the layouts of Android Studio's templates (Kotlin DSL), the Now in
//! Android sample, older Groovy projects, and statements that share a line.

use crate::scaffold::gradle::setting;

fn both(build: &str) -> (Option<String>, Option<String>) {
    (setting(build, "namespace"), setting(build, "applicationId"))
}

fn some(namespace: &str, application: &str) -> (Option<String>, Option<String>) {
    (Some(namespace.into()), Some(application.into()))
}

#[test]
fn android_studios_kotlin_dsl_template() {
    let kts = r#"plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
}

android {
    namespace = "com.example.shop"
    compileSdk = 35

    defaultConfig {
        applicationId = "com.example.shop.app"
        minSdk = 24
        versionName = "1.0"
    }
}
"#;
    assert_eq!(both(kts), some("com.example.shop", "com.example.shop.app"));
}

#[test]
fn now_in_androids_app_module_sets_them_after_other_blocks() {
    let kts = r#"plugins {
    alias(libs.plugins.nowinandroid.android.application)
    alias(libs.plugins.nowinandroid.android.application.compose)
}

android {
    defaultConfig {
        applicationId = "com.google.samples.apps.nowinandroid"
        versionCode = 8
        versionName = "0.1.2" // X.Y.Z; X = Major, Y = minor, Z = Patch level

        // Custom test runner to set up Hilt dependency graph
        testInstrumentationRunner = "com.google.samples.apps.nowinandroid.core.testing.NiaTestRunner"
    }

    buildTypes {
        debug {
            applicationIdSuffix = NiaBuildType.DEBUG.applicationIdSuffix
        }
    }
    namespace = "com.google.samples.apps.nowinandroid"
}
"#;
    assert_eq!(
        both(kts),
        some(
            "com.google.samples.apps.nowinandroid",
            "com.google.samples.apps.nowinandroid"
        )
    );
}

#[test]
fn older_groovy_projects() {
    let groovy = r#"apply plugin: 'com.android.application'

android {
    compileSdkVersion 30
    defaultConfig {
        applicationId "com.example.old"
        minSdkVersion 21
    }
}
"#;
    assert_eq!(both(groovy), (None, Some("com.example.old".into())));
    let groovy = "android {\n    namespace 'org.shop'\n    defaultConfig { applicationId('org.shop.app') }\n}\n";
    assert_eq!(both(groovy), some("org.shop", "org.shop.app"));
}

#[test]
fn statements_that_share_a_line_or_follow_a_brace() {
    assert_eq!(
        both(r#"android { namespace = "com.example.notes""#),
        (Some("com.example.notes".into()), None)
    );
    assert_eq!(
        both(
            r#"android { compileSdk = 35; namespace = "a.b" ; defaultConfig { applicationId = "a.b.c" } }"#
        ),
        some("a.b", "a.b.c")
    );
    assert_eq!(
        setting(r#"android.namespace = "a.b""#, "namespace").as_deref(),
        Some("a.b")
    );
}

#[test]
fn comments_strings_and_other_settings_are_not_the_setting() {
    let kts = r#"
// namespace = "com.commented.out"
/* applicationId = "com.blocked.out"
   namespace = "com.blocked.out" */
val note = "namespace = \"com.in.a.string\""
android {
    namespaceSuffix = "x"
    namespace = "com.example.real"
    defaultConfig { applicationIdSuffix = ".dev" ; applicationId = "com.example.real.app" }
}
"#;
    assert_eq!(both(kts), some("com.example.real", "com.example.real.app"));
    // Read, not set: `x = namespace` is a use.
    assert_eq!(setting("val x = namespace\n", "namespace"), None);
}

#[test]
fn values_gradle_computes_give_nothing() {
    // A variable, and an interpolated string: only Gradle knows them.
    assert_eq!(setting("android { namespace = appId }", "namespace"), None);
    assert_eq!(
        setting(r#"android { namespace = "${group}.app" }"#, "namespace"),
        None
    );
    // Groovy's single quotes do not interpolate; an escaped dollar is text.
    assert_eq!(
        setting(r#"android { namespace '$x' }"#, "namespace").as_deref(),
        Some("$x")
    );
    assert_eq!(setting("android { namespace = \"a.b", "namespace"), None);
}
