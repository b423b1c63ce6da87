// The window's view of the store and the signed-in user, and the idle lock: after the app's idle
// limit without a key press, click or touch, the user is signed out (the app also enforces it).
import { api, whenPasswordChange, whenSignedOut } from "./api";
import { resultsQueue } from "./results.svelte";
import type { StoreStatus } from "./types";

export const session: {
  status: StoreStatus | null;
  error: string | null;
  lockedForIdle: boolean;
  /** Why an admin's change to the account signed this window out, for sign-in to say. */
  signedOutBecause: string | null;
} = $state({
  status: null,
  error: null,
  lockedForIdle: false,
  signedOutBecause: null,
});

export function setStatus(s: StoreStatus) {
  session.status = s;
  session.error = null;
}

export async function signOut(idle = false) {
  // Results typed a moment ago are still on their way: let them reach the store first.
  await Promise.race([resultsQueue.settled(), new Promise((r) => setTimeout(r, 5000))]);
  try {
    setStatus(await api.signOut());
  } catch {
    if (session.status) session.status = { ...session.status, user: null };
  }
  session.lockedForIdle = idle;
  session.signedOutBecause = null;
  location.hash = "#/";
}

whenSignedOut((reason) => {
  if (session.status?.user) {
    session.status = { ...session.status, user: null };
    session.lockedForIdle = reason === null;
    session.signedOutBecause = reason;
    // The idle lock keeps the screen for the same user to carry on; an account change does not.
    if (reason) location.hash = "#/";
  }
});

// Signed in with a reset password: the window shows only the change-password screen.
whenPasswordChange(() => {
  const user = session.status?.user;
  if (session.status && user) session.status = { ...session.status, user: { ...user, must_change_password: true } };
});

let timer: ReturnType<typeof setTimeout> | undefined;
function poke() {
  clearTimeout(timer);
  const secs = session.status?.idle_lock_secs ?? 900;
  // The window locks a little before the app's own limit, so the user never sees a refused command.
  if (session.status?.user) timer = setTimeout(() => void signOut(true), Math.max(5, secs - 5) * 1000);
}
for (const ev of ["keydown", "pointerdown", "wheel", "touchstart"]) window.addEventListener(ev, poke, { passive: true });
$effect.root(() => {
  $effect(() => {
    if (session.status?.user) poke();
    else clearTimeout(timer);
  });
});
