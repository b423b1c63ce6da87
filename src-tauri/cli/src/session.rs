//! Runs one verb: find the data folder, unlock, sign in, call the core, print.

use std::process::ExitCode;

use centrebook_core::audit::{self, AuditFilter};
use centrebook_core::{
    change_passphrase, init, restore, unlock, DataDir, Error, InitOptions, KdfParams, Keychain, NewUser, Result, Store,
    UnlockSecret, Unlocked, User,
};
use serde::Serialize;

use crate::args::{AuditVerb, Cli, PassphraseVerb, UserVerb, Verb};
use crate::{bench, catalogue, demo, documents, field, import, records, runs, secrets};

struct Ctx {
    dir: DataDir,
    keychain: Keychain,
    user: Option<String>,
    json: bool,
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    let dir = match cli.data_dir {
        Some(d) => DataDir::new(d),
        None => DataDir::from_env_or_default()?,
    };
    let ctx = Ctx { dir, keychain: Keychain::from_env(), user: cli.user, json: cli.json };
    match cli.verb {
        Verb::Init { centre, admin } => ctx.init(&centre, &admin),
        Verb::Unlock { .. } => ctx.unlock_check(),
        Verb::User(v) => ctx.user_verb(v),
        Verb::Passphrase(PassphraseVerb::Change) => ctx.passphrase_change(),
        Verb::Backup { out, daily, keep } => ctx.backup(out, daily.then_some(keep)),
        Verb::Restore { file } => ctx.restore(&file),
        Verb::Audit(v) => ctx.audit_verb(v),
        Verb::Bench(args) => bench::run(&args, ctx.json),
        Verb::Employer(v) => ctx.with_signed_in(|s, a, json| records::employer(s, a, v, json)),
        Verb::Candidate(v) => ctx.with_signed_in(|s, a, json| records::candidate(s, a, v, json)),
        Verb::Contact(v) => ctx.with_signed_in(|s, a, json| records::contact(s, a, v, json)),
        Verb::Centre(v) => ctx.with_signed_in(|s, a, json| catalogue::centre(s, a, v, json)),
        Verb::Body(v) => ctx.with_signed_in(|s, a, json| catalogue::body(s, a, v, json)),
        Verb::Course(v) => ctx.with_signed_in(|s, a, json| catalogue::course(s, a, v, json)),
        Verb::Trainer(v) => ctx.with_signed_in(|s, a, json| catalogue::trainer(s, a, v, json)),
        Verb::Run(v) => ctx.with_signed_in(|s, a, json| runs::run(s, a, v, json)),
        Verb::Result(v) => ctx.with_signed_in(|s, a, json| runs::result(s, a, v, json)),
        Verb::Import(v) => ctx.with_signed_in(|s, a, json| import::run(s, a, v, json)),
        Verb::Demo(v) => ctx.with_signed_in(|s, a, json| demo::run(s, a, v, json)),
        Verb::Certificate(v) => ctx.with_signed_in(|s, a, json| documents::certificate(s, a, v, json)),
        Verb::Report(v) => ctx.with_signed_in(|s, a, json| documents::report(s, a, v, json)),
        Verb::Verify(v) if v.key.is_some() => documents::verify_with_key(&v, ctx.json),
        Verb::Verify(v) => ctx.with_signed_in(|s, a, json| documents::verify(s, a, v, json)),
        Verb::Keys(v) => ctx.with_signed_in(|s, a, json| documents::keys(s, a, v, json)),
        Verb::Card(v) => ctx.with_signed_in(|s, a, json| crate::cards::card(s, a, v, json)),
        Verb::Bundle(v) => ctx.with_signed_in(|s, a, json| crate::bundle::run(s, a, v, json)),
        Verb::Field(v) => ctx.with_signed_in(|s, a, json| field::field(s, a, v, json)),
        Verb::Fieldpack(v) => ctx.with_signed_in(|s, a, json| field::fieldpack(s, a, v, json)),
        Verb::Return(v) => ctx.with_signed_in(|s, a, json| field::returns(s, a, v, json)),
    }
}

/// The secret given in the environment, if any: the passphrase first, then the recovery key.
fn env_secret() -> Option<UnlockSecret> {
    let get = |k| std::env::var(k).ok().filter(|v| !v.is_empty()).map(centrebook_core::Zeroizing::new);
    get("CENTREBOOK_PASSPHRASE")
        .map(UnlockSecret::Passphrase)
        .or_else(|| get("CENTREBOOK_RECOVERY_KEY").map(UnlockSecret::RecoveryKey))
}

pub(crate) fn print_json(value: &impl Serialize) {
    use std::io::Write;
    // A reader that stops early (`| head`) is not an error worth a panic.
    let _ = writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

impl Ctx {
    /// Unlocks the store: keychain, then the environment's secret, then a prompt.
    fn open(&self) -> Result<Unlocked> {
        let secret = env_secret();
        let result = match unlock(&self.dir, &self.keychain, secret.as_ref()) {
            Err(Error::SecretNeeded | Error::KeychainEntryMissing) if secret.is_none() => {
                match secrets::get("CENTREBOOK_PASSPHRASE", "Store passphrase: ")? {
                    Some(p) => unlock(&self.dir, &self.keychain, Some(&UnlockSecret::Passphrase(p))),
                    None => unlock(&self.dir, &self.keychain, None),
                }
            }
            other => other,
        };
        let unlocked = result?;
        if let Some(note) = &unlocked.keychain_note {
            eprintln!("note: {note}");
        }
        Ok(unlocked)
    }

    /// The acting user's name and password (`who` says which user is meant when it is missing).
    fn credentials(&self, who: &str) -> Result<(String, centrebook_core::Zeroizing<String>)> {
        let username = self.user.clone().ok_or_else(|| Error::Invalid {
            field: "user",
            reason: format!("say {who}: --user NAME or CENTREBOOK_USER"),
        })?;
        let password = secrets::require("CENTREBOOK_PASSWORD", &format!("Password for {username}: "), "password")?;
        Ok((username, password))
    }

    /// Unlocks and signs in the acting user.
    fn signed_in(&self) -> Result<(Store, centrebook_core::Actor)> {
        let mut store = self.open()?.store;
        let (username, password) = self.credentials("who is acting")?;
        let actor = store.login(&username, &password)?;
        Ok((store, actor))
    }

    /// Unlocks, signs in, and runs a verb over the store as the acting user.
    fn with_signed_in(
        &self,
        verb: impl FnOnce(&mut Store, &centrebook_core::Actor, bool) -> Result<ExitCode>,
    ) -> Result<ExitCode> {
        let (mut store, actor) = self.signed_in()?;
        verb(&mut store, &actor, self.json)
    }

    fn init(&self, centre: &str, admin: &str) -> Result<ExitCode> {
        if self.dir.is_initialised() {
            return Err(Error::AlreadyInitialised(self.dir.path().to_path_buf()));
        }
        let passphrase = secrets::new("CENTREBOOK_PASSPHRASE", "store passphrase")?;
        let password = secrets::new("CENTREBOOK_PASSWORD", "admin password")?;
        let made = init(
            &self.dir,
            &self.keychain,
            &InitOptions {
                centre_name: centre,
                admin_username: admin,
                admin_password: &password,
                passphrase: &passphrase,
                kdf: KdfParams::UNLOCK,
            },
        )?;
        let recovery = made.recovery_key.display();
        if let Some(note) = &made.keychain_note {
            eprintln!("note: {note}");
        }
        if self.json {
            print_json(&serde_json::json!({
                "data_dir": self.dir.path(),
                "store_id": made.store.store_id(),
                "centre": made.store.centre_name()?,
                "admin": made.admin.username(),
                "recovery_key": recovery.as_str(),
            }));
        } else {
            println!("Created the store for {} in {}", made.store.centre_name()?, self.dir.path().display());
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

    fn unlock_check(&self) -> Result<ExitCode> {
        let u = self.open()?;
        let centre = u.store.centre_name()?;
        if self.json {
            print_json(&serde_json::json!({
                "unlocked": true,
                "method": u.method,
                "centre": centre,
                "store_id": u.store.store_id(),
                "schema_version": u.store.schema_version()?,
                "note": u.keychain_note,
            }));
        } else {
            println!("Unlocked {centre} with the {}", u.method);
        }
        Ok(ExitCode::SUCCESS)
    }

    fn user_verb(&self, verb: UserVerb) -> Result<ExitCode> {
        let (mut store, actor) = self.signed_in()?;
        let shown: Vec<User> = match verb {
            UserVerb::Add { username, role, name } => {
                let role = role.parse()?;
                let password = secrets::new("CENTREBOOK_NEW_PASSWORD", "password for the new account")?;
                let display_name = name.as_deref().unwrap_or(&username);
                vec![store
                    .add_user(&actor, &NewUser { username: &username, display_name, role, password: &password })?]
            }
            UserVerb::List => store.users(&actor)?,
            UserVerb::Disable { username } => {
                vec![store.set_user_disabled(&actor, &username, true)?]
            }
            UserVerb::Enable { username } => {
                vec![store.set_user_disabled(&actor, &username, false)?]
            }
        };
        if self.json {
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

    fn passphrase_change(&self) -> Result<ExitCode> {
        let (mut store, actor) = self.signed_in()?;
        let current = match env_secret() {
            Some(s) => s,
            None => UnlockSecret::Passphrase(secrets::require(
                "CENTREBOOK_PASSPHRASE",
                "Current passphrase: ",
                "passphrase",
            )?),
        };
        let new = secrets::new("CENTREBOOK_NEW_PASSPHRASE", "passphrase")?;
        change_passphrase(&mut store, &actor, &current, &new, KdfParams::UNLOCK)?;
        println!("The passphrase is changed. The recovery key and the keychain entry still work.");
        Ok(ExitCode::SUCCESS)
    }

    fn backup(&self, out: Option<std::path::PathBuf>, daily_keep: Option<usize>) -> Result<ExitCode> {
        let (mut store, actor) = self.signed_in()?;
        if let Some(keep) = daily_keep {
            match store.backup_daily(&actor, keep)? {
                Some(info) if self.json => print_json(&info),
                Some(info) => println!("Daily backup written to {}", info.path.display()),
                None if self.json => println!("null"),
                None => println!("Today's backup already exists"),
            }
            return Ok(ExitCode::SUCCESS);
        }
        let out = out.unwrap_or_else(|| {
            let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
            self.dir.backups().join(format!("centrebook-{stamp}.cbbackup"))
        });
        let info = store.backup(&actor, &out)?;
        if self.json {
            print_json(&info);
        } else {
            println!("Backup written to {} ({} bytes, encrypted)", info.path.display(), info.db_bytes);
        }
        Ok(ExitCode::SUCCESS)
    }

    fn restore(&self, file: &std::path::Path) -> Result<ExitCode> {
        let (username, password) = self.credentials("which admin of the backup is restoring")?;
        let secret = match env_secret() {
            Some(s) => Some(s),
            None => secrets::get("CENTREBOOK_PASSPHRASE", "The backup's passphrase: ")?.map(UnlockSecret::Passphrase),
        };
        let report = restore(&self.dir, &self.keychain, file, secret.as_ref(), &username, &password)?;
        if self.json {
            print_json(&report);
        } else {
            println!("Restored {} into {}", file.display(), self.dir.path().display());
            if let Some(p) = report.previous {
                println!("The store it replaced is kept in {}", p.display());
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    fn audit_verb(&self, verb: AuditVerb) -> Result<ExitCode> {
        let (store, actor) = self.signed_in()?;
        match verb {
            AuditVerb::List { entity, id, limit } => {
                let entries = audit::list(&store, &actor, &AuditFilter { entity, entity_id: id, limit: Some(limit) })?;
                if self.json {
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
                                let show = |v: &Option<serde_json::Value>| {
                                    v.as_ref().map(|v| v.to_string()).unwrap_or("—".into())
                                };
                                println!("        {}: {} → {}", c.field, show(&c.before), show(&c.after));
                            }
                        }
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            AuditVerb::Verify => {
                let report = audit::verify(&store, &actor)?;
                if self.json {
                    print_json(&report);
                } else if report.is_intact() {
                    println!("The audit log is intact: {} entries, hash chain and anchor check out.", report.entries);
                } else {
                    println!("The audit log has been tampered with:");
                    for p in &report.problems {
                        println!("  - {p}");
                    }
                }
                Ok(if report.is_intact() { ExitCode::SUCCESS } else { ExitCode::from(7) })
            }
        }
    }
}
