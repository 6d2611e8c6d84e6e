//! Unit tests of how the Invoke API names the function.

use super::names_function;

#[test]
fn the_function_is_named_by_name_or_arn() {
    assert!(names_function("app-dev", "app-dev"));
    assert!(names_function(
        "arn:aws:lambda:us-east-1:123456789012:function:app-dev",
        "app-dev"
    ));
    assert!(names_function(
        "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aapp-dev",
        "app-dev"
    ));
    assert!(names_function("app-dev:$LATEST", "app-dev"));
    assert!(!names_function("other", "app-dev"));
    assert!(!names_function("app-dev-2", "app-dev"));
}
