//! Builds every plugin package of the workspace (a folder with a Cargo.toml under `plugins/`
//! or `tests/plugins/`, but this crate) for wasm32-wasip2 and writes their constants.

use persist_wasm_build::{BuildPaths, build_wasm, copy_if_changed, ensure_wasm_target};
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // plugins/artifacts: two folders below the workspace root.
    let BuildPaths {
        manifest_dir,
        root,
        out_dir,
        target,
    } = BuildPaths::from_env(2);

    let mut packages = Vec::new();
    for folder in ["plugins", "tests/plugins"] {
        println!("cargo:rerun-if-changed={}", root.join(folder).display());
        let mut found = plugin_packages(&root.join(folder), &manifest_dir);
        found.sort();
        packages.extend(found);
    }
    let names: Vec<&str> = packages.iter().map(String::as_str).collect();
    let plugins_dir = target.join("plugins");
    ensure_wasm_target(&root, &target);
    build_wasm(&root, &plugins_dir, &names);

    let mut consts = String::new();
    for package in &packages {
        let file = package.replace('-', "_");
        let built = plugins_dir
            .join("wasm32-wasip2/release")
            .join(format!("{file}.wasm"));
        let copy = plugins_dir.join(format!("{file}.wasm"));
        copy_if_changed(&built, &copy);
        let name = file.to_uppercase();
        let path = copy.display().to_string();
        writeln!(
            consts,
            "/// `{package}` as a component: its path.\npub const {name}: &str = {path:?};\n\
             /// `{package}` as a component: its bytes.\npub const {name}_WASM: &[u8] = include_bytes!({path:?});"
        )
        .expect("writing to a String");
    }
    writeln!(
        consts,
        "/// Every plugin: (package name, component path).\npub const ALL: &[(&str, &str)] = &[{}];",
        packages
            .iter()
            .map(|p| format!("({p:?}, {})", p.replace('-', "_").to_uppercase()))
            .collect::<Vec<_>>()
            .join(", ")
    )
    .expect("writing to a String");
    std::fs::write(out_dir.join("plugins.rs"), consts).expect("writing plugins.rs to OUT_DIR");
}

/// The package names of the folders under `dir` that hold a Cargo.toml, but `skip`.
fn plugin_packages(dir: &Path, skip: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p != skip)
        .filter_map(|p| std::fs::read_to_string(p.join("Cargo.toml")).ok())
        .filter_map(|manifest| package_name(&manifest))
        .collect()
}

/// The `name` of a manifest's `[package]` table.
fn package_name(manifest: &str) -> Option<String> {
    let package = manifest
        .split("\n[")
        .find(|t| t.starts_with("package]") || t.starts_with("[package]"))?;
    package.lines().find_map(|line| {
        let value = line.trim().strip_prefix("name")?.trim().strip_prefix('=')?;
        Some(value.trim().trim_matches('"').to_string())
    })
}
