// Passwords and account changes in the real window: a user changes their own password; an admin
// resets someone's, shown once, and that user must choose their own at sign-in before anything
// else; and a window whose account an admin disables is sent to sign-in at its next step.
import assert from "node:assert/strict";
import { test } from "node:test";
import { cli, click, fill, go, initStore, launch, PASSPHRASE, picture, shown, signIn, tempDataDir, textOf, unlockAndSignIn } from "./harness.mjs";

const OLLY_PASSWORD = "office password 1";

function withOlly() {
  const { dir, cleanup } = tempDataDir();
  initStore(dir);
  const name = JSON.stringify({ display_name: "Olly Office" });
  cli(dir, ["--user", "admin", "user", "add", "olly", "--role", "office", "--from-json", "-"], {
    CENTREBOOK_NEW_PASSWORD: OLLY_PASSWORD,
  }, name);
  return { dir, cleanup };
}

test("a user changes their own password and signs in with the new one", async () => {
  const { dir, cleanup } = withOlly();
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b, PASSPHRASE, OLLY_PASSWORD, "olly");
    await click(b, "#nav-password");
    // The current password is asked for, and a wrong one is refused beside its field.
    await fill(b, "#current-password", "not my password");
    await fill(b, "#new-password", "olly's new password");
    await fill(b, "#new-password-again", "olly's new password");
    await click(b, "#save-password");
    await textOf(b, "#current-password-error", (t) => t.includes("not your current password"));
    await picture(b, "change-own-wrong-current");
    await fill(b, "#current-password", OLLY_PASSWORD);
    await click(b, "#save-password");
    await textOf(b, "#password-changed", (t) => t.includes("Your password is changed"));
    await picture(b, "change-own-done");

    await click(b, "#switch-user");
    await fill(b, "#username", "olly");
    await fill(b, "#password", OLLY_PASSWORD);
    await click(b, "#sign-in-button");
    await textOf(b, "#error", (t) => /wrong user name or password/i.test(t));
    await signIn(b, "olly", "olly's new password");
  } finally {
    await stop();
    cleanup();
  }
});

test("an admin resets a password; its user signs in with it and must choose their own", async () => {
  const { dir, cleanup } = withOlly();
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b);
    await click(b, "#nav-users");
    await click(b, "#reset-olly");
    await click(b, "#reset-confirm");
    const given = await textOf(b, "#reset-password-value", (t) => /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/.test(t));
    await textOf(b, 'tr[data-user="olly"]', (t) => t.includes("New password due"));
    await picture(b, "reset-shown-once");
    await click(b, "#reset-done");
    assert.equal(await (await b.$("#reset-password-value")).isExisting(), false, "shown only once");

    // Olly's old password no longer works; the one shown signs in to the change-password screen only.
    await click(b, "#switch-user");
    await fill(b, "#username", "olly");
    await fill(b, "#password", OLLY_PASSWORD);
    await click(b, "#sign-in-button");
    await textOf(b, "#error", (t) => /wrong user name or password/i.test(t));
    await fill(b, "#username", "olly");
    await fill(b, "#password", given);
    await click(b, "#sign-in-button");
    await textOf(b, "#must-change", (t) => t.includes("reset the password for olly"));
    assert.equal(await (await b.$("#nav-candidates")).isExisting(), false, "no menu until it is changed");
    await picture(b, "forced-change");
    // Nothing else is possible meanwhile: the core refuses any other command.
    await go(b, "candidates");
    await shown(b, "#must-change");
    await fill(b, "#current-password", given);
    await fill(b, "#new-password", "olly's chosen one");
    await fill(b, "#new-password-again", "olly's chosen one");
    await click(b, "#save-password");
    await textOf(b, "#signed-in-user", (t) => t === "olly");
    await shown(b, "#nav-candidates");

    await click(b, "#switch-user");
    await signIn(b, "olly", "olly's chosen one");
    await shown(b, "#nav-candidates");
  } finally {
    await stop();
    cleanup();
  }
});

test("a disabled user's open window is sent to sign-in at its next step", async () => {
  const { dir, cleanup } = withOlly();
  const { browser: b, stop } = await launch(dir);
  try {
    await unlockAndSignIn(b, PASSPHRASE, OLLY_PASSWORD, "olly");
    await click(b, "#nav-employers");
    await shown(b, "#nav-runs");

    // An admin disables Olly elsewhere (the command line on the office PC) while his window is open.
    cli(dir, ["--user", "admin", "user", "disable", "olly"]);
    await click(b, "#nav-runs");
    await textOf(b, "#signed-out-because", (t) => t.includes("your account was disabled by an administrator"));
    await shown(b, "#sign-in");
    await picture(b, "disabled-signed-out");
    await fill(b, "#username", "olly");
    await fill(b, "#password", OLLY_PASSWORD);
    await click(b, "#sign-in-button");
    await textOf(b, "#error", (t) => /disabled/i.test(t));

    // A role change ends the session the same way; signing in again gives the new role's menu.
    cli(dir, ["--user", "admin", "user", "enable", "olly"]);
    await signIn(b, "olly", OLLY_PASSWORD);
    await shown(b, "#nav-trainers");
    cli(dir, ["--user", "admin", "user", "role", "olly", "--role", "trainer"]);
    await click(b, "#nav-employers");
    await textOf(b, "#signed-out-because", (t) => t.includes("your role was changed"));
    await signIn(b, "olly", OLLY_PASSWORD);
    await textOf(b, "#signed-in-role", (t) => t === "Trainer");
    assert.equal(await (await b.$("#nav-trainers")).isExisting(), false);
  } finally {
    await stop();
    cleanup();
  }
});
