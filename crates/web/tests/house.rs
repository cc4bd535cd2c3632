//! The shape of the house, checked: what the web and the command line may not reach for.
//! (The store's fields and `Scope::everything` are private, so the compiler keeps those;
//! these are the rules it cannot see.)

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push((p.clone(), std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    assert!(out.len() > 3, "found the sources under {}", dir.display());
    out
}

/// The text without comment lines, so that prose may name what code may not use.
fn code_only(text: &str) -> String {
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

fn crate_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join(name).join("src")
}

#[test]
fn no_sql_outside_the_store() {
    for name in ["web", "cli"] {
        for (path, text) in sources(&crate_dir(name)) {
            let code = code_only(&text);
            for needle in ["sqlx::", "\"SELECT ", "\"INSERT INTO", "\"UPDATE ", "\"DELETE FROM"] {
                assert!(!code.contains(needle), "{} holds SQL ({needle:?}): it belongs in the store", path.display());
            }
        }
    }
}

#[test]
fn only_the_operator_and_the_jobs_act_as_the_operator() {
    for (path, text) in sources(&crate_dir("web")) {
        let allowed = path.ends_with("jobs.rs");
        assert!(
            allowed || !text.contains("Principal::operator"),
            "{} acts as the operator: a request must act as whoever sent it",
            path.display()
        );
    }
}

#[test]
fn test_handles_stay_in_tests() {
    for name in ["web", "cli", "store"] {
        for (path, text) in sources(&crate_dir(name)) {
            if path.ends_with("testing.rs") {
                continue;
            }
            for needle in ["raw_db()", "hold_writer(", "testing::", "::for_tests("] {
                let code = code_only(&text);
                let outside_unit_tests = code.split("#[cfg(test)]").next().unwrap_or("");
                assert!(
                    !outside_unit_tests.contains(needle),
                    "{} uses the test handle {needle:?} outside tests",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn the_api_never_reaches_into_the_pages() {
    let api = crate_dir("web").join("api");
    for (path, text) in sources(&api) {
        assert!(!code_only(&text).contains("crate::pages"), "{} imports from the pages", path.display());
    }
}

#[test]
fn handlers_live_in_their_resource_rooms() {
    // One module per resource under api/ and pages/; none of the old catch-all files return.
    let web = crate_dir("web");
    for gone in ["account.rs", "admin.rs", "appeals.rs", "appeal_pages.rs", "api.rs", "pages.rs"] {
        assert!(!web.join(gone).exists(), "{gone} is back: put its handlers in api/ or pages/");
    }
    assert!(sources(&web.join("api")).len() >= 5 && sources(&web.join("pages")).len() >= 5);
}
