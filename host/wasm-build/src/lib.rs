//! For build scripts: builds packages of a workspace as wasm32-wasip2 components (the persist
//! guest, the strategy plugins) into cargo's target folder.
//!
//! - [`BuildPaths`]: the package, the workspace, OUT_DIR and cargo's target folder
//!   (wherever `CARGO_TARGET_DIR` or `build.target-dir` put it).
//! - [`ensure_wasm_target`]: adds the wasm32-wasip2 target to the toolchain when it lacks it
//!   and rustup is there (rustup does not add rust-toolchain.toml's targets to a toolchain
//!   already installed).
//! - [`build_wasm`]: `cargo build --release --target wasm32-wasip2` of a workspace's packages.
//! - [`copy_if_changed`]: copies a built component where it is used, keeping its timestamp
//!   when the bytes are the same.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where a build script of this workspace works.
pub struct BuildPaths {
    /// The package being built.
    pub manifest_dir: PathBuf,
    /// The workspace root.
    pub root: PathBuf,
    /// The build script's OUT_DIR.
    pub out_dir: PathBuf,
    /// Cargo's target folder.
    pub target: PathBuf,
}

impl BuildPaths {
    /// From cargo's environment; the package is `depth` folders below the workspace root.
    pub fn from_env(depth: usize) -> BuildPaths {
        let manifest_dir =
            PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .ancestors()
            .nth(depth)
            .unwrap_or_else(|| panic!("{} has no root {depth} folders up", manifest_dir.display()))
            .to_path_buf();
        let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
        let target = target_dir(&out_dir, &root);
        BuildPaths {
            manifest_dir,
            root,
            out_dir,
            target,
        }
    }
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
/// rustup is on PATH; without rustup, [`build_wasm`] fails saying what to install. `root` is
/// the workspace (where rust-toolchain.toml applies); build scripts running at once take turns
/// through a lock file in `target_dir`.
pub fn ensure_wasm_target(root: &Path, target_dir: &Path) {
    let _ = std::fs::create_dir_all(target_dir);
    let lock = std::fs::File::create(target_dir.join(".wasm32-wasip2-target.lock"));
    if let Ok(lock) = &lock {
        let _ = lock.lock();
    }
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

/// Copies `from` to `to` unless `to` already holds the same bytes, so that an unchanged
/// component keeps its timestamp and does not make cargo rebuild what embeds it.
pub fn copy_if_changed(from: &Path, to: &Path) {
    let bytes = std::fs::read(from).unwrap_or_else(|e| panic!("reading {}: {e}", from.display()));
    if std::fs::read(to).is_ok_and(|old| old == bytes) {
        return;
    }
    std::fs::write(to, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", to.display()));
}

/// `cargo build --release --target wasm32-wasip2` of `packages` (all when empty) of the
/// workspace in `dir`, into `target_dir`, so that this nested cargo never waits on the lock of
/// the build that runs us.
pub fn build_wasm(dir: &Path, target_dir: &Path, packages: &[&str]) {
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
             target: `rustup target add wasm32-wasip2` (rust-toolchain.toml lists it); for the \
             guest, PERSIST_GUEST_WASM may name a prebuilt persist_guest.wasm instead",
            dir.display()
        );
    }
}
