import { invoke } from "@tauri-apps/api/core";

/** Mirrors `StatusDto` in src-tauri/src/commands.rs. */
interface StoreStatus {
  initialised: boolean;
  unlocked: boolean;
  method: string | null;
  centre: string | null;
  data_dir: string;
  note: string | null;
}

const el = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const statusEl = el<HTMLParagraphElement>("status");
const noteEl = el<HTMLParagraphElement>("note");
const errorEl = el<HTMLParagraphElement>("error");
const whereEl = el<HTMLParagraphElement>("where");
const form = el<HTMLFormElement>("unlock-form");
const passphrase = el<HTMLInputElement>("passphrase");
const button = el<HTMLButtonElement>("unlock");

function showError(message: string | null) {
  errorEl.hidden = !message;
  errorEl.textContent = message ?? "";
}

function show(s: StoreStatus) {
  whereEl.textContent = `Data folder: ${s.data_dir}`;
  noteEl.hidden = !s.note;
  noteEl.textContent = s.note ?? "";
  if (!s.initialised) {
    statusEl.textContent = `No store in ${s.data_dir} — run centrebook init`;
    form.hidden = true;
  } else if (s.unlocked) {
    statusEl.textContent = `Unlocked — ${s.centre ?? ""} (via ${s.method ?? ""})`;
    statusEl.dataset.state = "unlocked";
    form.hidden = true;
  } else {
    statusEl.textContent = "Locked — enter the passphrase";
    statusEl.dataset.state = "locked";
    form.hidden = false;
    passphrase.focus();
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  button.disabled = true;
  showError(null);
  try {
    show(await invoke<StoreStatus>("unlock_with_passphrase", { passphrase: passphrase.value }));
    passphrase.value = "";
  } catch (e) {
    showError(String(e));
    passphrase.select();
  } finally {
    button.disabled = false;
  }
});

invoke<StoreStatus>("store_status").then(show, (e) => {
  statusEl.textContent = "The store could not be opened";
  showError(String(e));
});
