//! Builds the guest component (the workspace in ../../guest, for wasm32-wasip2, into
//! `<target>/guest`) and puts it in OUT_DIR for `include_bytes!`. Set `PERSIST_GUEST_WASM` to a
//! prebuilt guest component to embed that instead.

use persist_wasm_build::{build_wasm, copy_if_changed, ensure_wasm_target, target_dir};
use std::env;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .ancestors()
        .nth(2)
        .expect("host/embed lives two folders below the workspace root")
        .to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = target_dir(&out_dir, &root);
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
