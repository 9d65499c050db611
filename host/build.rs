//! Builds the wasm32-wasip2 components: the guest, put in OUT_DIR for `include_bytes!`, and
//! the strategy plugins, put in `target/plugins/`.
//!
//! The guest is a workspace of its own (../guest) built into `target/guest`; the plugins are
//! members of this workspace built into `target/plugins`. Set `PERSIST_GUEST_WASM` to a
//! prebuilt guest component to embed that instead of building it.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .expect("host/ lives in the workspace root")
        .to_path_buf();
    let out =
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("persist_guest.wasm");

    println!("cargo:rerun-if-env-changed=PERSIST_GUEST_WASM");
    if let Some(prebuilt) = env::var_os("PERSIST_GUEST_WASM") {
        println!("cargo:rerun-if-changed={}", Path::new(&prebuilt).display());
        std::fs::copy(&prebuilt, &out)
            .unwrap_or_else(|e| panic!("PERSIST_GUEST_WASM={prebuilt:?}: {e}"));
    } else {
        build_guest(&root, &out);
    }
    build_plugins(&root);
}

fn build_guest(root: &Path, out: &Path) {
    for watched in [
        "wit",
        "guest/src",
        "guest/Cargo.toml",
        "guest/Cargo.lock",
        "core/src",
        "core/Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }

    build_wasm(&root.join("guest"), &root.join("target/guest"), &[]);
    let built = root.join("target/guest/wasm32-wasip2/release/persist_guest.wasm");
    std::fs::copy(&built, out).unwrap_or_else(|e| panic!("copying {}: {e}", built.display()));
}

fn build_plugins(root: &Path) {
    // The example strategy plugins and the sandbox tests' plugin, as components. They are
    // copied to target/plugins/<name>.wasm, the path the README and the tests use.
    for watched in ["plugins", "tests/plugins"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let plugins_dir = root.join("target/plugins");
    build_wasm(root, &plugins_dir, &PLUGINS.map(|(package, _)| package));
    for (_, file) in PLUGINS {
        let built = plugins_dir
            .join("wasm32-wasip2/release")
            .join(format!("{file}.wasm"));
        let copy = plugins_dir.join(format!("{file}.wasm"));
        std::fs::copy(&built, &copy).unwrap_or_else(|e| panic!("copying {}: {e}", built.display()));
    }
    println!(
        "cargo:rustc-env=PERSIST_PLUGINS_DIR={}",
        plugins_dir.display()
    );
}

/// The plugin packages of the workspace and their component files.
const PLUGINS: [(&str, &str); 3] = [
    ("ma-crossover", "ma_crossover"),
    ("mean-reversion", "mean_reversion"),
    ("misbehaving", "misbehaving"),
];

/// `cargo build --release --target wasm32-wasip2` of `packages` (all when empty) of the
/// workspace in `dir`, into `target_dir`, so that this nested cargo never waits on the lock of
/// the build that runs us.
fn build_wasm(dir: &Path, target_dir: &Path, packages: &[&str]) {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(dir)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ])
        .arg(target_dir);
    for package in packages {
        cmd.args(["-p", package]);
    }
    // Settings meant for this build (host target, flags, profile) must not leak into the guest's.
    for (key, _) in env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        let keep = key == "CARGO_HOME"
            || key == "CARGO_NET_OFFLINE"
            || key == "CARGO_REGISTRIES_CRATES_IO_PROTOCOL";
        if (key.starts_with("CARGO_") && !keep)
            || key.ends_with("RUSTFLAGS")
            || matches!(
                key.as_str(),
                "TARGET"
                    | "HOST"
                    | "OUT_DIR"
                    | "OPT_LEVEL"
                    | "PROFILE"
                    | "DEBUG"
                    | "NUM_JOBS"
                    | "RUSTC_WRAPPER"
                    | "RUSTC_WORKSPACE_WRAPPER"
            )
        {
            cmd.env_remove(&key);
        }
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not run cargo to build {}: {e}", dir.display()));
    if !status.success() {
        panic!(
            "building the wasm components in {} failed ({status}). It needs the wasm32-wasip2 \
             target: `rustup target add wasm32-wasip2` (rust-toolchain.toml lists it), or set \
             PERSIST_GUEST_WASM to a prebuilt persist_guest.wasm",
            dir.display()
        );
    }
}
