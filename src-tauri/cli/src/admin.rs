//! Verbs over the store itself and its accounts: init, unlock, user, passphrase, backup, restore,
//! audit. They unlock (or create) the store themselves, unlike the record verbs.

use std::path::PathBuf;
use std::process::ExitCode;

use centrebook_core::audit::{self, AuditFilter};
use centrebook_core::field::{init_laptop, LaptopOptions};
use centrebook_core::{
    self as core, change_passphrase, rotate_key, Actor, Error, InitOptions, KdfParams, NewUser, Result, Store,
    UnlockSecret, User,
};
use clap::{Args, Subcommand};

use crate::input::{form_of, merged_json};
use crate::output::print_json;
use crate::secrets;
use crate::session::{env_secret, Ctx};

// No doc comments on these argument structs: clap would take them as the verb's help, which the
// variant's doc comment in main.rs gives.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The centre's name (an office store).
    #[arg(long, required_unless_present = "laptop", conflicts_with = "laptop")]
    centre: Option<String>,
    /// The centre's postal address, lines separated by commas (printed on certificates).
    #[arg(long, conflicts_with = "laptop")]
    address: Option<String>,
    /// The centre's postcode.
    #[arg(long, conflicts_with = "laptop")]
    postcode: Option<String>,
    /// The first admin's user name (password from CENTREBOOK_PASSWORD or a prompt).
    #[arg(long)]
    admin: String,
    /// A trainer's laptop instead: enrolled with the centre whose key is in the exchange folder
    /// (--folder), its own key left there for the office; the centre's name comes from the key.
    #[arg(long, requires_all = ["folder", "name"])]
    laptop: bool,
    /// The exchange folder (a USB stick or shared folder), with --laptop.
    #[arg(long, value_name = "DIR", requires = "laptop")]
    folder: Option<PathBuf>,
    /// A name for the laptop, e.g. "Tess's laptop", with --laptop.
    #[arg(long, requires = "laptop")]
    name: Option<String>,
}

#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// Only check; required, as unlocking has no lasting effect on the command line.
    #[arg(long, required = true)]
    check: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file (default: backups/centrebook-<time>.cbbackup in the data folder).
    #[arg(long, value_name = "FILE", conflicts_with = "daily")]
    out: Option<PathBuf>,
    /// The daily automatic backup (for cron or Task Scheduler): backups/auto-<date>.cbbackup
    /// unless today's exists, keeping the newest --keep.
    #[arg(long)]
    daily: bool,
    /// How many daily backups to keep.
    #[arg(long, default_value_t = 14, requires = "daily")]
    keep: usize,
}

#[derive(Debug, Args)]
pub struct BackupPlanArgs {
    /// The folder for the daily backup (a USB stick, a synced folder); it must exist.
    #[arg(long, value_name = "DIR", conflicts_with = "no_folder")]
    folder: Option<PathBuf>,
    /// Stop the automatic daily backup.
    #[arg(long)]
    no_folder: bool,
    /// How many daily backups to keep in the folder.
    #[arg(long)]
    keep: Option<u32>,
    /// Take today's automatic backup now if it is due, as the app does after unlocking.
    #[arg(long, conflicts_with_all = ["folder", "no_folder", "keep"])]
    run: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file.
    file: PathBuf,
}

/// What `user add --from-json` reads: the account's personal details, which are never arguments.
#[derive(serde::Deserialize)]
struct NewUserForm {
    /// Name shown in the app; `None` shows the user name.
    display_name: Option<String>,
}

impl NewUserForm {
    /// Its fields, none given: the base the JSON object is laid over.
    fn base() -> serde_json::Map<String, serde_json::Value> {
        [("display_name".to_owned(), serde_json::Value::Null)].into_iter().collect()
    }
}

#[derive(Debug, Subcommand)]
pub enum UserVerb {
    /// Add an account (its password from CENTREBOOK_NEW_PASSWORD or a prompt). The name shown in the
    /// app is a person's name, so it is read, never taken as an argument: --from-json with
    /// {"display_name": "..."}; without it the user name is shown.
    Add {
        /// Sign-in name.
        username: String,
        /// admin, office or trainer.
        #[arg(long)]
        role: String,
        /// A JSON object {"display_name": "..."} from FILE, or - for standard input.
        #[arg(long = "from-json", value_name = "FILE|-")]
        from_json: Option<PathBuf>,
    },
    /// List accounts.
    List,
    /// Disable an account.
    Disable {
        /// Sign-in name.
        username: String,
    },
    /// Re-enable a disabled account.
    Enable {
        /// Sign-in name.
        username: String,
    },
    /// Change your own password (--user's): the current one from CENTREBOOK_PASSWORD or a prompt,
    /// the new one from CENTREBOOK_NEW_PASSWORD or typed twice. Also what an account whose password
    /// was reset must do first.
    Password,
    /// Give another account a new random password, printed once; they must change it at their next
    /// sign-in (admins only).
    ResetPassword {
        /// Sign-in name.
        username: String,
    },
    /// Give an account another role (admins only; the last enabled admin stays an admin).
    Role {
        /// Sign-in name.
        username: String,
        /// admin, office or trainer.
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PassphraseVerb {
    /// Re-wrap the data key under a new passphrase (from CENTREBOOK_NEW_PASSPHRASE or a prompt),
    /// proving the current passphrase (CENTREBOOK_PASSPHRASE) or the recovery key.
    Change {
        /// Also replace the data key, when the old passphrase or a key file may be known: old key
        /// files (every backup holds one) stop opening this store. Prints a new recovery key once.
        #[arg(long)]
        replace_key: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyVerb {
    /// Replace the store's data key (admins only; close the app first): the database is
    /// re-encrypted, old key files and the old recovery key stop opening it, and a new recovery key
    /// is printed once. Proves the passphrase (CENTREBOOK_PASSPHRASE) or the recovery key; unlocking
    /// with the recovery key also asks for a passphrase (CENTREBOOK_NEW_PASSPHRASE).
    Rotate,
    /// Bring back the key to NI numbers, dates of birth, addresses and health notes when no admin or
    /// office account holds it any more (admins only): the recovery key (CENTREBOOK_RECOVERY_KEY or a
    /// prompt) opens its copy, and it is given to this account and every admin or office one waiting.
    RecoverIdentity,
}

#[derive(Debug, Subcommand)]
pub enum AuditVerb {
    /// List entries, newest first.
    List {
        /// Only entries about this kind of record (e.g. user, store).
        #[arg(long)]
        entity: Option<String>,
        /// Only entries about this record id.
        #[arg(long)]
        id: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Check the hash chain and its signed checkpoints: exit 0 when intact, 7 when edited, deleted,
    /// reordered or truncated, 14 when the database is behind the anchor kept outside it (an older
    /// copy put back in its place).
    Verify,
    /// Accept this copy of the store although it is behind its anchor (admins only): saving works
    /// again from here, and the reason is kept in the audit log. The reason is read from FILE, or
    /// standard input when it is left out or `-`.
    AcceptCopy {
        /// A file holding the reason (or `-` for standard input).
        #[arg(long, value_name = "FILE")]
        reason_file: Option<PathBuf>,
    },
}

pub fn init(
    ctx: &Ctx,
    InitArgs { centre, address, postcode, admin, laptop, folder, name }: InitArgs,
) -> Result<ExitCode> {
    if ctx.dir.is_initialised() {
        return Err(Error::AlreadyInitialised(ctx.dir.path().to_path_buf()));
    }
    // The address is checked before the store is made, so a typo does not leave a half-set-up centre.
    let address = address.map(|a| a.split(',').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n"));
    if let Some(p) = &postcode {
        centrebook_core::fields::Postcode::parse(p)?;
    }
    let passphrase = secrets::new("CENTREBOOK_PASSPHRASE", "store passphrase")?;
    let password = secrets::new("CENTREBOOK_PASSWORD", "admin password")?;
    let mut made = match (laptop, folder, name) {
        (true, Some(folder), Some(label)) => {
            let opts = LaptopOptions {
                label: &label,
                username: &admin,
                password: &password,
                passphrase: &passphrase,
                folder: &folder,
                kdf: KdfParams::UNLOCK,
            };
            let (made, who) = init_laptop(&ctx.dir, &ctx.keychain, &opts)?;
            if !ctx.json {
                println!(
                    "A trainer's laptop for {}; its key is in {} for the office.",
                    who.centre.centre_name,
                    folder.display()
                );
                println!(
                    "Device fingerprint: {} (the office compares it when registering the laptop)",
                    who.fingerprint
                );
            }
            made
        }
        _ => core::init(
            &ctx.dir,
            &ctx.keychain,
            &InitOptions {
                centre_name: centre.as_deref().unwrap_or_default(),
                admin_username: &admin,
                admin_password: &password,
                passphrase: &passphrase,
                kdf: KdfParams::UNLOCK,
            },
        )?,
    };
    if address.is_some() || postcode.is_some() {
        let form = centrebook_core::records::CentreForm {
            name: made.store.centre_name()?,
            address,
            postcode,
            ..Default::default()
        };
        let admin = made.admin.clone();
        made.store.set_centre(&admin, &form)?;
    }
    let recovery = made.recovery_key.display();
    if let Some(note) = &made.keychain_note {
        eprintln!("note: {note}");
    }
    if ctx.json {
        print_json(&serde_json::json!({
            "data_dir": ctx.dir.path(),
            "store_id": made.store.store_id(),
            "centre": made.store.centre_name()?,
            "admin": made.admin.username(),
            "kind": made.store.kind()?,
            "recovery_key": recovery.as_str(),
        }));
    } else {
        println!("Created the store for {} in {}", made.store.centre_name()?, ctx.dir.path().display());
        println!("Admin account: {}", made.admin.username());
        println!();
        println!("RECOVERY KEY (shown only now; print it and keep it in the safe):");
        println!();
        println!("    {}", recovery.as_str());
        println!();
        println!("It unlocks the store if the passphrase is forgotten and the keychain is lost.");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn unlock(ctx: &Ctx, args: UnlockArgs) -> Result<ExitCode> {
    // Only checking exists on the command line; clap refuses `unlock` without --check.
    debug_assert!(args.check);
    let u = ctx.open()?;
    let centre = u.store.centre_name()?;
    if ctx.json {
        print_json(&serde_json::json!({
            "unlocked": true,
            "method": u.method,
            "centre": centre,
            "store_id": u.store.store_id(),
            "schema_version": u.store.schema_version()?,
            "note": u.keychain_note,
            "swept": u.swept,
            "behind": u.behind,
        }));
    } else {
        println!("Unlocked {centre} with the {}", u.method);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn user(ctx: &Ctx, verb: UserVerb) -> Result<ExitCode> {
    if let UserVerb::Password = verb {
        return own_password(ctx);
    }
    let (mut store, actor) = ctx.signed_in()?;
    let shown: Vec<User> = match verb {
        UserVerb::Add { username, role, from_json } => {
            let role = role.parse()?;
            // Read before the password prompt, so a mistake in the file is told before typing it.
            let display_name = match from_json {
                Some(file) => form_of::<NewUserForm>(merged_json(Some(file), NewUserForm::base())?)?.display_name,
                None => None,
            };
            let password = secrets::new("CENTREBOOK_NEW_PASSWORD", "password for the new account")?;
            let display_name = display_name.as_deref().unwrap_or(&username);
            vec![store.add_user(&actor, &NewUser { username: &username, display_name, role, password: &password })?]
        }
        UserVerb::List => store.users(&actor)?,
        UserVerb::Disable { username } => {
            vec![store.set_user_disabled(&actor, &username, true)?]
        }
        UserVerb::Enable { username } => {
            vec![store.set_user_disabled(&actor, &username, false)?]
        }
        UserVerb::Role { username, role } => vec![store.set_user_role(&actor, &username, role.parse()?)?],
        UserVerb::ResetPassword { username } => {
            let password = store.reset_password(&actor, &username)?;
            let user = store.user(&actor, &username)?;
            // Printed once, to whoever ran this, to hand over in person; never stored or logged.
            if ctx.json {
                print_json(&serde_json::json!({ "username": user.username, "password": password.as_str() }));
            } else {
                println!("New password for {}: {}", user.username, password.as_str());
                println!("They must choose their own when they next sign in.");
            }
            return Ok(ExitCode::SUCCESS);
        }
        UserVerb::Password => unreachable!("handled above"),
    };
    if ctx.json {
        print_json(&shown);
    } else {
        println!("{:<20} {:<8} {:<9} NAME", "USER", "ROLE", "STATE");
        for u in shown {
            let state = if u.disabled { "disabled" } else { "active" };
            println!("{:<20} {:<8} {:<9} {}", u.username, u.role, state, u.display_name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `user password`: the acting user's own password, even one an admin reset (the core allows that
/// session nothing else).
fn own_password(ctx: &Ctx) -> Result<ExitCode> {
    let mut store = ctx.open()?.store;
    let (username, current) = ctx.credentials("whose password to change")?;
    let actor = store.login(&username, &current)?;
    let new = secrets::new("CENTREBOOK_NEW_PASSWORD", "password")?;
    let actor = store.change_password(&actor, &current, &new)?;
    if ctx.json {
        print_json(&serde_json::json!({ "username": actor.username(), "changed": true }));
    } else {
        println!("Password changed for {}.", actor.username());
    }
    Ok(ExitCode::SUCCESS)
}

fn current_secret() -> Result<UnlockSecret> {
    Ok(match env_secret() {
        Some(s) => s,
        None => {
            UnlockSecret::Passphrase(secrets::require("CENTREBOOK_PASSPHRASE", "Current passphrase: ", "passphrase")?)
        }
    })
}

pub fn passphrase(ctx: &Ctx, PassphraseVerb::Change { replace_key }: PassphraseVerb) -> Result<ExitCode> {
    let (mut store, actor) = ctx.signed_in()?;
    let current = current_secret()?;
    let new = secrets::new("CENTREBOOK_NEW_PASSPHRASE", "passphrase")?;
    if replace_key {
        return rotated(ctx, &mut store, &actor, &current, &new);
    }
    change_passphrase(&mut store, &actor, &current, &new, KdfParams::UNLOCK)?;
    println!("The passphrase is changed. The recovery key and the keychain entry still work.");
    Ok(ExitCode::SUCCESS)
}

pub fn key(ctx: &Ctx, verb: KeyVerb) -> Result<ExitCode> {
    let (mut store, actor) = ctx.signed_in()?;
    if let KeyVerb::RecoverIdentity = verb {
        let typed = secrets::require("CENTREBOOK_RECOVERY_KEY", "Recovery key: ", "recovery key")?;
        let recovery = core::RecoveryKey::parse(&typed)?;
        store.recover_identity_key(&actor, &recovery)?;
        if ctx.json {
            print_json(&serde_json::json!({ "recovered": true }));
        } else {
            println!("The identity key is back: this account and every admin or office account waiting hold it.");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let current = current_secret()?;
    // The passphrase stays as it is; after the recovery key, one must be chosen.
    let passphrase = match &current {
        UnlockSecret::Passphrase(p) => p.clone(),
        UnlockSecret::RecoveryKey(_) => secrets::new("CENTREBOOK_NEW_PASSPHRASE", "passphrase")?,
    };
    rotated(ctx, &mut store, &actor, &current, &passphrase)
}

/// Replaces the data key and prints the new recovery key once.
fn rotated(ctx: &Ctx, store: &mut Store, actor: &Actor, current: &UnlockSecret, passphrase: &str) -> Result<ExitCode> {
    let done = rotate_key(store, &ctx.keychain, actor, current, passphrase, KdfParams::UNLOCK)?;
    if let Some(note) = &done.keychain_note {
        eprintln!("note: {note}");
    }
    let recovery = done.recovery_key.display();
    if ctx.json {
        print_json(&serde_json::json!({ "store_id": store.store_id(), "recovery_key": recovery.as_str() }));
    } else {
        println!("The data key is replaced: old key files and the old recovery key no longer open this store.");
        println!("Backups made before keep opening with their own passphrase and recovery key.");
        println!();
        println!("NEW RECOVERY KEY (shown only now; print it and keep it in the safe, and destroy the old one):");
        println!();
        println!("    {}", recovery.as_str());
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

pub fn backup(ctx: &Ctx, BackupArgs { out, daily, keep }: BackupArgs) -> Result<ExitCode> {
    let daily_keep = daily.then_some(keep);
    let (mut store, actor) = ctx.signed_in()?;
    if let Some(keep) = daily_keep {
        match store.backup_daily(&actor, keep)? {
            Some(info) if ctx.json => print_json(&info),
            Some(info) => println!("Daily backup written to {}", info.path.display()),
            None if ctx.json => println!("null"),
            None => println!("Today's backup already exists"),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let out = out.unwrap_or_else(|| {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        ctx.dir.backups().join(format!("centrebook-{stamp}.cbbackup"))
    });
    let info = store.backup(&actor, &out)?;
    if ctx.json {
        print_json(&info);
    } else {
        println!("Backup written to {} ({} bytes, encrypted)", info.path.display(), info.db_bytes);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn backup_plan(ctx: &Ctx, BackupPlanArgs { folder, no_folder, keep, run }: BackupPlanArgs) -> Result<ExitCode> {
    let (mut store, actor) = ctx.signed_in()?;
    if run {
        // Refused for anyone but an admin, as the plan itself is.
        store.backup_plan(&actor)?;
        match store.backup_if_due()? {
            Some(info) => println!("Daily backup written to {}", info.path.display()),
            None => println!("No backup due (no folder chosen, or today's is there)"),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut plan = store.backup_plan(&actor)?;
    if folder.is_some() || no_folder || keep.is_some() {
        let folder = if no_folder { None } else { folder.or(plan.folder) };
        plan = store.set_backup_plan(&actor, folder.as_deref(), keep.unwrap_or(plan.keep))?;
    }
    if ctx.json {
        print_json(&plan);
        return Ok(ExitCode::SUCCESS);
    }
    match &plan.folder {
        Some(f) => println!("Daily backup: into {}, keeping the newest {}", f.display(), plan.keep),
        None => println!("Daily backup: off (no folder chosen)"),
    }
    match &plan.last {
        Some(l) => println!(
            "Last backup: {} ({})",
            l.at.with_timezone(&chrono::Local).format("%d/%m/%Y %H:%M"),
            l.file.display()
        ),
        None => println!("Last backup: none yet"),
    }
    if let Some(f) = &plan.failed {
        println!(
            "The automatic backup failed on {}: {}",
            f.at.with_timezone(&chrono::Local).format("%d/%m/%Y %H:%M"),
            f.reason
        );
    }
    if plan.stale {
        println!("Warning: no backup in the last 7 days");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn restore(ctx: &Ctx, RestoreArgs { file }: RestoreArgs) -> Result<ExitCode> {
    let (username, password) = ctx.credentials("which admin of the backup is restoring")?;
    let secret = match env_secret() {
        Some(s) => Some(s),
        None => secrets::get("CENTREBOOK_PASSPHRASE", "The backup's passphrase: ")?.map(UnlockSecret::Passphrase),
    };
    let report = core::restore(&ctx.dir, &ctx.keychain, &file, secret.as_ref(), &username, &password)?;
    if ctx.json {
        print_json(&report);
    } else {
        println!("Restored {} into {}", file.display(), ctx.dir.path().display());
        if let Some(p) = report.previous {
            println!("The store it replaced is kept in {}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn audit(ctx: &Ctx, verb: AuditVerb) -> Result<ExitCode> {
    let (store, actor) = ctx.signed_in()?;
    match verb {
        AuditVerb::List { entity, id, limit } => {
            let entries = audit::list(&store, &actor, &AuditFilter { entity, entity_id: id, limit: Some(limit) })?;
            if ctx.json {
                print_json(&entries);
                return Ok(ExitCode::SUCCESS);
            }
            for e in entries {
                let when = e.at.format("%d/%m/%Y %H:%M:%S");
                let what = e.entity_id.as_deref().map(|id| format!("{} {id}", e.entity)).unwrap_or(e.entity);
                println!("{:>6}  {when}  {:<16} {:<18} {what}", e.seq, e.actor, e.action);
                match e.changes {
                    None => println!("        (values erased)"),
                    Some(changes) => {
                        for c in changes {
                            let show =
                                |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or("—".into());
                            println!("        {}: {} → {}", c.field, show(&c.before), show(&c.after));
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditVerb::Verify => {
            let report = audit::verify(&store, &actor)?;
            if ctx.json {
                print_json(&report);
            } else {
                if report.is_intact() {
                    println!("The audit log is intact: {} entries, hash chain and anchor check out.", report.entries);
                }
                if !report.problems.is_empty() {
                    println!("The audit log has been tampered with:");
                    for p in &report.problems {
                        println!("  - {p}");
                    }
                }
                if let Some(b) = &report.behind {
                    println!("The database is behind its anchor: {b}.");
                    println!("If this copy is the one to keep, an admin accepts it: centrebook audit accept-copy");
                }
                match &report.last_checkpoint {
                    Some(c) => println!(
                        "{} signed checkpoint(s) checked; the last at entry {}, signed {}.",
                        report.checkpoints,
                        c.seq,
                        c.at.format("%d/%m/%Y %H:%M UTC")
                    ),
                    None => println!("No signed checkpoint yet (one is made at every backup)."),
                }
            }
            Ok(match (report.problems.is_empty(), report.behind.is_some()) {
                (false, _) => ExitCode::from(7),
                (true, true) => ExitCode::from(14),
                (true, false) => ExitCode::SUCCESS,
            })
        }
        AuditVerb::AcceptCopy { reason_file } => {
            let reason = crate::input::text_from_file_or_stdin(reason_file)?;
            let mut store = store;
            store.accept_copy(&actor, &reason)?;
            if ctx.json {
                print_json(&serde_json::json!({ "accepted": true }));
            } else {
                println!("This copy is accepted: saving works again, and the reason is in the audit log.");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
