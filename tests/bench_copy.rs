//! `bench/pgbench/list.sql` holds a copy of the list's statement, which pgbench runs as the
//! ceiling the app is measured against. The copy must be, whitespace aside, one of the app's
//! checked statements (`.sqlx/`): a stale copy would make `make bench` compare the app with
//! some other SQL. `make bench` says so too, but only after a 15-minute run.

use std::{collections::HashSet, fs, path::Path};

fn normalise(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every statement of `.sqlx/`, normalised.
fn checked_statements(root: &Path) -> HashSet<String> {
    fs::read_dir(root.join(".sqlx"))
        .expect("read .sqlx")
        .map(|entry| {
            let text = fs::read_to_string(entry.unwrap().path()).unwrap();
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            normalise(json["query"].as_str().expect("a query"))
        })
        .collect()
}

/// The SQL of each block of the file: the lines after a `-- @params` line up to a `;` line.
fn copies(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        match &mut current {
            None if line.starts_with("-- @params") => current = Some(Vec::new()),
            None => {}
            Some(_) if line.trim() == ";" => {
                out.push(normalise(&current.take().unwrap().join("\n")))
            }
            Some(lines) => lines.push(line),
        }
    }
    assert!(current.is_none(), "a block without its closing `;` line");
    out
}

#[test]
fn the_benchmarks_copy_of_the_list_statement_is_the_apps() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let statements = checked_statements(root);
    let text = fs::read_to_string(root.join("bench/pgbench/list.sql")).unwrap();
    let copies = copies(&text);
    assert!(
        !copies.is_empty(),
        "no statement found in bench/pgbench/list.sql"
    );
    for copy in copies {
        assert!(
            statements.contains(&copy),
            "bench/pgbench/list.sql is not one of the app's statements in .sqlx/: paste the \
             `query` of the list's .sqlx file again\n{copy}"
        );
    }
}

#[test]
fn a_copy_that_differs_is_found() {
    let statements: HashSet<String> = [normalise("select 1\n  from t")].into();
    let same = copies("-- @params $1=x:int8\nselect 1 from t\n;\n");
    let other = copies("-- @params $1=x:int8\nselect 2 from t\n;\n");
    assert!(statements.contains(&same[0]));
    assert!(!statements.contains(&other[0]));
}
