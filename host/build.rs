//! Builds the guest component for wasm32-wasip2 and puts it in OUT_DIR for `include_bytes!`.
//!
//! The guest is a workspace of its own (../guest) built into `target/guest`, so this nested
//! cargo never waits on the lock of the build that runs us. Set `PERSIST_GUEST_WASM` to a
//! prebuilt component to embed that instead (for machines without the wasm32-wasip2 target).

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
        return;
    }

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

    let target_dir = root.join("target").join("guest");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root.join("guest"))
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ])
        .arg(&target_dir);
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
        .unwrap_or_else(|e| panic!("could not run cargo to build the guest: {e}"));
    if !status.success() {
        panic!(
            "building the guest component failed ({status}). It needs the wasm32-wasip2 target: \
             `rustup target add wasm32-wasip2` (rust-toolchain.toml lists it), or set \
             PERSIST_GUEST_WASM to a prebuilt persist_guest.wasm"
        );
    }
    let built = target_dir.join("wasm32-wasip2/release/persist_guest.wasm");
    std::fs::copy(&built, &out).unwrap_or_else(|e| panic!("copying {}: {e}", built.display()));
}
