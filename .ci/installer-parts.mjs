// Prepares what the installers hold besides the app, for `tauri build --config tauri.installer.conf.json`
// (Tauri runs this as its before-build command, on every OS): the UI, and the `centrebook` command built
// in release and named with the target triple, as Tauri's `bundle.externalBin` requires. The command is
// not in tauri.conf.json itself because tauri-build checks external binaries on every `cargo build`,
// and a debug build of the workspace must not need a release build of the CLI first.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const windows = process.platform === "win32";
// npm and cargo are .cmd/.exe shims on Windows, found through the shell there. Tauri hands its merged
// configuration down in TAURI_CONFIG; the build here must not see it, or tauri-build would look for
// the external binary this script is about to make (it then rebuilds only the app, with the binary).
const env = { ...process.env };
delete env.TAURI_CONFIG;
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, env, stdio: "inherit", shell: windows });

run("npm", ["run", "build"], path.join(root, "ui"));

const host = /host: (\S+)/.exec(execFileSync("rustc", ["-vV"], { encoding: "utf8" }))[1];
// Tauri says which target it builds for; a cross build (e.g. macOS's x86_64 from arm64) puts the CLI
// under target/<triple>/ as cargo does.
const triple = process.env.TAURI_ENV_TARGET_TRIPLE || host;
const cross = triple !== host;
// The very build Tauri runs next (every binary of the workspace, the same features), so Tauri finds
// everything but the app built and the shared crates are compiled once, not once per feature set.
const targetArgs = cross ? ["--target", triple] : [];
run("cargo", ["build", "--bins", "--features", "tauri/custom-protocol", "--release", "--locked", ...targetArgs]);

const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, "target");
const exe = windows ? ".exe" : "";
const built = path.join(targetDir, ...(cross ? [triple] : []), "release", `centrebook${exe}`);
const dest = path.join(root, "target", "installer");
mkdirSync(dest, { recursive: true });
copyFileSync(built, path.join(dest, `centrebook-${triple}${exe}`));
console.log(`installer-parts: centrebook-${triple}${exe} ready`);
