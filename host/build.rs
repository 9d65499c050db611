//! Builds the wasm32-wasip2 components: the guest, put in OUT_DIR for `include_bytes!`, and
//! the strategy plugins, put in `target/plugins/`.
//!
//! The guest is a workspace of its own (../guest) built into `target/guest`; the plugins are
//! members of this workspace built into `target/plugins`. `target` is cargo's target folder,
//! wherever `CARGO_TARGET_DIR` or `build.target-dir` put it. Set `PERSIST_GUEST_WASM` to a
//! prebuilt guest component to embed that instead of building it.
//!
//! When the active toolchain lacks the wasm32-wasip2 target and rustup is there, the target is
//! added (rustup does not add rust-toolchain.toml's targets to a toolchain already installed).

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
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = target_dir(&out_dir, &root);
    let out = out_dir.join("persist_guest.wasm");
    println!("cargo:rustc-env=PERSIST_TARGET_DIR={}", target.display());

    println!("cargo:rerun-if-env-changed=PERSIST_GUEST_WASM");
    ensure_wasm_target(&root);
    if let Some(prebuilt) = env::var_os("PERSIST_GUEST_WASM") {
        println!("cargo:rerun-if-changed={}", Path::new(&prebuilt).display());
        copy_if_changed(Path::new(&prebuilt), &out);
    } else {
        build_guest(&root, &target, &out);
    }
    build_plugins(&root, &target);
}

/// Cargo's target folder: the ancestor of OUT_DIR that holds cargo's `CACHEDIR.TAG`
/// (`<target>/<profile>/build/<package>/out`), so that a target folder set in a cargo config
/// is found too; else `CARGO_TARGET_DIR`, else `<workspace>/target`.
fn target_dir(out_dir: &Path, root: &Path) -> PathBuf {
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");
    if let Some(dir) = out_dir
        .ancestors()
        .skip(3)
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
    {
        return dir.to_path_buf();
    }
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Adds the wasm32-wasip2 target to the toolchain that runs this build when it lacks it and
/// rustup is on PATH; without rustup, the failed build below says what to install.
fn ensure_wasm_target(root: &Path) {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Some(sysroot) = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
    else {
        return;
    };
    if sysroot.join("lib/rustlib/wasm32-wasip2/lib").is_dir() {
        return;
    }
    // Run where rust-toolchain.toml applies; RUSTUP_TOOLCHAIN, when set, names the same
    // toolchain as the one running this build.
    let added = Command::new("rustup")
        .current_dir(root)
        .args(["target", "add", "wasm32-wasip2"])
        .status();
    match added {
        Ok(status) if status.success() => println!(
            "cargo:warning=added the wasm32-wasip2 target to the Rust toolchain at {} \
             (rustup target add wasm32-wasip2): the guest and the plugins are built for it",
            sysroot.display()
        ),
        Ok(status) => println!(
            "cargo:warning=`rustup target add wasm32-wasip2` failed ({status}); the guest and \
             the plugins need that target"
        ),
        Err(_) => {} // no rustup: the build of the components says what is missing
    }
}

fn build_guest(root: &Path, target: &Path, out: &Path) {
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

    build_wasm(&root.join("guest"), &target.join("guest"), &[]);
    let built = target.join("guest/wasm32-wasip2/release/persist_guest.wasm");
    copy_if_changed(&built, out);
}

fn build_plugins(root: &Path, target: &Path) {
    // The example strategy plugins and the sandbox tests' plugin, as components. They are
    // copied to target/plugins/<name>.wasm, the path the README and the tests use.
    for watched in ["plugins", "tests/plugins"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let plugins_dir = target.join("plugins");
    build_wasm(root, &plugins_dir, &PLUGINS.map(|(package, _)| package));
    for (_, file) in PLUGINS {
        let built = plugins_dir
            .join("wasm32-wasip2/release")
            .join(format!("{file}.wasm"));
        let copy = plugins_dir.join(format!("{file}.wasm"));
        copy_if_changed(&built, &copy);
    }
    println!(
        "cargo:rustc-env=PERSIST_PLUGINS_DIR={}",
        plugins_dir.display()
    );
}

/// Copies `from` to `to` unless `to` already holds the same bytes, so that an unchanged
/// component keeps its timestamp and does not make cargo rebuild what embeds it.
fn copy_if_changed(from: &Path, to: &Path) {
    let bytes = std::fs::read(from).unwrap_or_else(|e| panic!("reading {}: {e}", from.display()));
    if std::fs::read(to).is_ok_and(|old| old == bytes) {
        return;
    }
    std::fs::write(to, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", to.display()));
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
