//! The one way this site redirects: to a path on this site, never elsewhere, never a panic.
//!
//! Every `next`, `back` and handler-built target passes [`local_path`]: a path that starts
//! with one `/`, with no backslash and no control or whitespace character anywhere (a tab or
//! newline that a browser strips would turn `/\t/evil.example` into `//evil.example`).
//! Anything else becomes `/`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// `candidate` if it is a path on this site, else `/`.
pub fn local_path(candidate: Option<&str>) -> String {
    match candidate {
        Some(p) if is_local_path(p) => p.to_string(),
        _ => "/".into(),
    }
}

/// Whether `p` is a same-site path: `/…`, not `//…`, no `\`, no control or whitespace
/// character, and nothing a header cannot carry.
pub fn is_local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && !p.contains('\\')
        && !p.chars().any(|c| c.is_control() || c.is_whitespace())
        && HeaderValue::from_str(p).is_ok()
}

/// A 303 See Other to `target` if it is a local path, else to `/`.
pub fn to(target: &str) -> Response {
    let target = local_path(Some(target));
    // `local_path` only lets through what `HeaderValue` accepts; "/" always does.
    let value = HeaderValue::from_str(&target).unwrap_or(HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_pass() {
        for ok in ["/", "/people/1", "/appeals?mine=true&x=%0A", "/中文"] {
            assert_eq!(local_path(Some(ok)), ok, "{ok}");
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/%09/evil.example\t",
            "https://evil.example",
            "javascript:alert(1)",
            "/\\evil.example",
            "/a\nb",
            "/a\rb",
            "/a b",
            "/a\u{3000}b",
            "/a\u{0}b",
            "",
            "evil",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn a_bad_target_never_panics() {
        let r = to("/appeals/\n/x");
        assert_eq!(r.headers()[header::LOCATION], "/");
        let r = to("/appeals/1");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[header::LOCATION], "/appeals/1");
    }
}
