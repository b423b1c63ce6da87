//! Tauri's build step for the bare window: no commands of its own, the default capability only.

fn main() {
    tauri_build::build();
}
