//! No dependency circles among the crate's modules: a module uses only what lies below it.
//! Read from the source: every `use` path and every inline `crate::`/`super::` path of each
//! file (its unit tests left out) is resolved to the module it names, and the graph of those
//! edges must have no cycle.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::Path,
};

type Module = Vec<String>;

fn modules(dir: &Path, prefix: &[String], out: &mut BTreeMap<Module, String>) {
    for entry in fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            let mut inner = prefix.to_vec();
            inner.push(name);
            modules(&path, &inner, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut module = prefix.to_vec();
            if !matches!(name.as_str(), "mod" | "lib" | "main") {
                module.push(name);
            }
            out.insert(
                module,
                fs::read_to_string(&path).expect("read a source file"),
            );
        }
    }
}

/// The source without comments and without its `#[cfg(test)] mod tests`.
fn code(text: &str) -> String {
    let text = text
        .find("#[cfg(test)]\nmod tests")
        .map_or(text, |i| &text[..i]);
    text.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a use tree names: `a::{b, c::{d}}` gives `a::b` and `a::c::d`.
fn expand(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(inner) = tree.strip_prefix('{') {
        let inner = inner.strip_suffix('}').unwrap_or(inner);
        let (mut depth, mut start) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(prefix, &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(prefix, &inner[start..], out);
        return;
    }
    if tree.is_empty() {
        return;
    }
    match tree.split_once("::") {
        Some((head, rest)) => {
            let mut p = prefix.to_vec();
            p.push(head.trim().to_owned());
            expand(&p, rest, out);
        }
        None => {
            let mut p = prefix.to_vec();
            p.push(
                tree.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            );
            out.push(p);
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path `code` names that starts at `crate`, `super` or `self`, or at a child module.
fn paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let boundary = i == 0 || !is_ident(rest[..i].chars().next_back().unwrap());
        let after = &rest[i + 4..];
        let end = after.find(';').unwrap_or(after.len());
        if boundary {
            expand(&[], &after[..end], &mut out);
        }
        rest = &after[end.min(after.len())..];
    }
    for start in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(i) = rest.find(start) {
            let boundary = i == 0 || !is_ident(rest[..i].chars().next_back().unwrap());
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| !(is_ident(c) || c == ':'))
                .unwrap_or(tail.len());
            // `super::{a, b}` is a use tree: the `use` reading above has it.
            if boundary && !tail[..end].ends_with("::") {
                out.push(
                    tail[..end]
                        .split("::")
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                );
            }
            rest = &tail[end.max(1)..];
        }
    }
    out
}

fn edges(all: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut graph = BTreeMap::new();
    for (module, text) in all {
        let mut targets = BTreeSet::new();
        for path in paths(&code(text)) {
            let Some(first) = path.first() else { continue };
            let mut full: Vec<String> = match first.as_str() {
                "crate" => Vec::new(),
                "super" | "self" => module.clone(),
                _ => {
                    let mut child = module.clone();
                    child.push(first.clone());
                    if !all.contains_key(&child) {
                        continue; // another crate
                    }
                    module.clone()
                }
            };
            let mut segments = path.iter().peekable();
            if first == "crate" || first == "self" {
                segments.next();
            }
            while segments.peek().is_some_and(|s| *s == "super") {
                segments.next();
                full.pop();
            }
            full.extend(segments.cloned());
            let target = (0..=full.len())
                .rev()
                .map(|n| full[..n].to_vec())
                .find(|m| all.contains_key(m))
                .unwrap_or_default();
            if &target != module && !target.is_empty() {
                targets.insert(target);
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

/// A cycle through `graph`, if there is one, as the modules along it.
fn cycle(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        m: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, u8>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        state.insert(m.clone(), 1);
        stack.push(m.clone());
        for next in graph.get(m).into_iter().flatten() {
            match state.get(next) {
                Some(1) => {
                    let from = stack.iter().position(|s| s == next).unwrap();
                    let mut found = stack[from..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                Some(_) => {}
                None => {
                    if let Some(found) = visit(next, graph, state, stack) {
                        return Some(found);
                    }
                }
            }
        }
        stack.pop();
        state.insert(m.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        if !state.contains_key(m) {
            if let Some(found) = visit(m, graph, &mut state, &mut Vec::new()) {
                return Some(found);
            }
        }
    }
    None
}

#[test]
fn no_module_uses_one_that_uses_it() {
    let mut all = BTreeMap::new();
    modules(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &[],
        &mut all,
    );
    let graph = edges(&all);
    // The check sees what it should: these edges exist today.
    let has = |from: &str, to: &str| {
        let split = |s: &str| s.split("::").map(str::to_owned).collect::<Vec<_>>();
        graph[&split(from)].contains(&split(to))
    };
    assert!(has("tasks::api", "auth::session"), "{graph:?}");
    assert!(has("tasks::cursor", "paging"), "{graph:?}");
    assert!(has("auth::api", "state"), "{graph:?}");
    if let Some(found) = cycle(&graph) {
        let names: Vec<String> = found.iter().map(name).collect();
        panic!("a dependency circle: {}", names.join(" -> "));
    }
}

#[test]
fn a_circle_is_found() {
    let mut all = BTreeMap::new();
    all.insert(vec![], String::new());
    all.insert(vec!["a".into()], "use crate::b::X;".into());
    all.insert(vec!["b".into()], "fn f() { super::a::g() }".into());
    let found = cycle(&edges(&all)).expect("a -> b -> a");
    assert_eq!(found.len(), 3);
}
