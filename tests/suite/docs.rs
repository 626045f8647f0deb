//! The README's generated tables are the program's own (`lifsweep keys`, `lifsweep columns`,
//! from the registry and the column table). `LIFSWEEP_BLESS=1 cargo test --test tests docs`
//! rewrites them.

use std::path::Path;

/// Where the text between `<!-- generated: NAME (lifsweep NAME) -->` and `<!-- end: NAME -->`
/// lies in `text`.
fn section(text: &str, name: &str) -> (usize, usize) {
    let start = format!("<!-- generated: {name} (lifsweep {name}) -->\n");
    let end = format!("<!-- end: {name} -->");
    let a = text
        .find(&start)
        .unwrap_or_else(|| panic!("README has no {start:?}"))
        + start.len();
    let b = a + text[a..]
        .find(&end)
        .unwrap_or_else(|| panic!("README has no {end:?}"));
    (a, b)
}

#[test]
fn readme_tables_are_the_programs() {
    if cfg!(feature = "example-part") {
        return; // the example part is in these tables then, and not in the README
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let mut text = std::fs::read_to_string(&path).unwrap();
    let tables = [
        (
            "keys",
            format!(
                "{}\n{}",
                lifsweep::spec::reference::key_table(),
                lifsweep::spec::reference::part_table()
            ),
        ),
        ("columns", lifsweep::output::markdown_table()),
    ];
    let bless = std::env::var_os("LIFSWEEP_BLESS").is_some();
    for (name, want) in tables {
        let (a, b) = section(&text, name);
        if text[a..b] != want {
            assert!(
                bless,
                "README's {name} table is not `lifsweep {name}`'s; run \
                 LIFSWEEP_BLESS=1 cargo test --test tests docs\nwant:\n{want}"
            );
            text.replace_range(a..b, &want);
        }
    }
    if bless {
        std::fs::write(&path, text).unwrap();
    }
}

/// Every TOML example of the README and the docs is a valid spec (the spec keys they show
/// exist and their values are allowed).
#[test]
fn the_docs_toml_examples_are_valid_specs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for file in ["README.md", "docs/cli.md", "docs/DESIGN.md"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("```toml\n") {
            let body = &rest[start + 8..];
            let end = body.find("```").unwrap();
            lifsweep::spec::Spec::parse(&body[..end])
                .unwrap_or_else(|e| panic!("{file}: {e}\n{}", &body[..end]));
            checked += 1;
            rest = &body[end..];
        }
    }
    assert!(checked >= 1);
}
