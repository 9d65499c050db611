//! Builds the guest component (the workspace in ../../guest, for wasm32-wasip2, into
//! `<target>/guest`) and puts it in OUT_DIR for `include_bytes!`. Set `PERSIST_GUEST_WASM` to a
//! prebuilt guest component to embed that instead.

use persist_wasm_build::{BuildPaths, build_wasm, copy_if_changed, ensure_wasm_target};
use std::env;
use std::path::Path;

fn main() {
    // host/embed: two folders below the workspace root.
    let BuildPaths {
        root,
        out_dir,
        target,
        ..
    } = BuildPaths::from_env(2);
    let out = out_dir.join("persist_guest.wasm");
    println!("cargo:rustc-env=PERSIST_TARGET_DIR={}", target.display());

    println!("cargo:rerun-if-env-changed=PERSIST_GUEST_WASM");
    if let Some(prebuilt) = env::var_os("PERSIST_GUEST_WASM") {
        println!("cargo:rerun-if-changed={}", Path::new(&prebuilt).display());
        copy_if_changed(Path::new(&prebuilt), &out);
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
    ensure_wasm_target(&root, &target);
    build_wasm(&root.join("guest"), &target.join("guest"), &[]);
    copy_if_changed(
        &target.join("guest/wasm32-wasip2/release/persist_guest.wasm"),
        &out,
    );
}
