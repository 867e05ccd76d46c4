//! Compile-time behaviour of `#[secure]` and `roles!`: shapes that must
//! compile (`ui/pass`) and mistakes that must not, each with the exact
//! message and the token it points at (`ui/fail/*.stderr`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
