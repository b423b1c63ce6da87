//! Candidates' portraits and assessment evidence photos. Every upload goes through [`Photo`], so what
//! is stored is always a re-encoded JPEG without metadata. The audit log notes each photo by its
//! SHA-256, never its bytes.

use crate::store::Tx;
use chrono::Utc;
use rusqlite::OptionalExtension;

use super::optional;
use super::scope::{self, Visible};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::crypto;
use crate::photo::{Crop, Photo};
use crate::{Error, Id, Result, Store};

fn digest(bytes: &[u8]) -> String {
    crypto::hex(&crypto::sha256(&[bytes]))
}

/// Admin and office may handle any enrolment's evidence; a trainer only on runs they teach (on a
/// trainer's laptop its user reaches the runs it teaches the same way, whatever its role). Outside
/// them the enrolment is not found, so a refusal never confirms that it exists.
fn require_evidence_access(conn: &rusqlite::Connection, actor: &Actor, enrolment: Id) -> Result<()> {
    let exists: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM enrolments WHERE id = ?1)", [enrolment], |r| r.get(0))?;
    if !exists {
        return Err(Error::NotFound { what: "enrolment", name: enrolment.to_string() });
    }
    scope::require(conn, actor, Visible::Enrolment, enrolment)
}

fn candidate_exists(tx: &Tx<'_>, id: Id) -> Result<()> {
    let exists: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM candidates WHERE id = ?1)", [id], |r| r.get(0))?;
    if exists {
        Ok(())
    } else {
        Err(Error::NotFound { what: "candidate", name: id.to_string() })
    }
}

/// [`Store::add_evidence_photo`] inside the caller's transaction, with the caption checked and the
/// photo already re-encoded: a results return applies many changes through it in one transaction.
pub(crate) fn add_evidence_photo_in(
    tx: &Tx<'_>,
    actor: &Actor,
    enrolment: Id,
    component: Option<Id>,
    caption: Option<String>,
    photo: &Photo,
) -> Result<Id> {
    let sha = digest(photo.as_bytes());
    let id = Id::new();
    require_evidence_access(tx, actor, enrolment)?;
    if let Some(c) = component {
        let fits: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM enrolments e JOIN course_runs r ON r.id = e.run_id
                 JOIN course_components cc ON cc.course_id = r.course_id WHERE e.id = ?1 AND cc.id = ?2)",
            rusqlite::params![enrolment, c],
            |r| r.get(0),
        )?;
        if !fits {
            return Err(Error::invalid("component", "is not part of this enrolment's course"));
        }
    }
    tx.execute(
        "INSERT INTO evidence_photos (id, enrolment_id, component_id, image, caption, taken_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![id, enrolment, component, photo.as_bytes(), caption, Utc::now().to_rfc3339()],
    )?;
    let sid = id.to_string();
    audit::record(
        tx,
        Who::Actor(actor),
        "evidence_photo.add",
        Subject { entity: "evidence_photo", id: Some(&sid) },
        &[
            FieldChange::created("enrolment_id", enrolment.to_string()),
            FieldChange::created("component_id", component.map(|c| c.to_string())),
            FieldChange::created("caption", caption.clone()),
            FieldChange::created("image_sha256", sha.as_str()),
        ],
    )?;
    Ok(id)
}

impl Store {
    /// Sets (or replaces) a candidate's portrait from an uploaded JPEG or PNG (admin and office). The
    /// upload is cropped to 35:45 (inside `crop` when a person framed it), stripped of metadata and
    /// size-limited; see [`Photo::from_upload`].
    pub fn set_candidate_photo(
        &mut self,
        actor: &Actor,
        candidate: Id,
        bytes: &[u8],
        crop: Option<Crop>,
    ) -> Result<()> {
        actor.require(Permission::EditRecords)?;
        let photo = Photo::from_upload(bytes, crop)?;
        let after = digest(photo.as_bytes());
        self.write(|tx| {
            candidate_exists(tx, candidate)?;
            let before: Option<Vec<u8>> =
                tx.query_row("SELECT photo FROM candidates WHERE id = ?1", [candidate], |r| r.get(0))?;
            tx.execute(
                "UPDATE candidates SET photo = ?1, updated_at = ?2 WHERE id = ?3",
                rusqlite::params![photo.as_bytes(), Utc::now().to_rfc3339(), candidate],
            )?;
            let sid = candidate.to_string();
            let change = match before {
                Some(b) => FieldChange::changed("photo_sha256", digest(&b), after.as_str()),
                None => FieldChange::created("photo_sha256", after.as_str()),
            };
            audit::record(
                tx,
                Who::Actor(actor),
                "candidate.photo",
                Subject { entity: "candidate", id: Some(&sid) },
                &[change],
            )
        })
    }

    /// A candidate's portrait, if they have one: admin and office. A trainer sees a candidate's name
    /// and employee number, nothing more, so gets none (and not found outside their runs).
    pub fn candidate_photo(&self, actor: &Actor, candidate: Id) -> Result<Option<Photo>> {
        scope::require(self.conn(), actor, Visible::Candidate, candidate)?;
        let stored: Option<Option<Vec<u8>>> = self
            .conn()
            .query_row("SELECT photo FROM candidates WHERE id = ?1", [candidate], |r| r.get(0))
            .optional()?;
        match stored {
            None => Err(Error::NotFound { what: "candidate", name: candidate.to_string() }),
            Some(None) => Ok(None),
            Some(Some(_)) if !scope::all(actor) => Ok(None),
            Some(Some(bytes)) => Photo::from_stored(bytes).map(Some),
        }
    }

    /// Adds an evidence photo to an enrolment, optionally for one assessment component, with an
    /// optional caption. Admin and office may; a trainer may on the runs they are assigned to.
    pub fn add_evidence_photo(
        &mut self,
        actor: &Actor,
        enrolment: Id,
        component: Option<Id>,
        caption: Option<String>,
        bytes: &[u8],
    ) -> Result<Id> {
        let caption = optional("caption", &caption, 500)?;
        let photo = Photo::evidence(bytes)?;
        self.write(|tx| add_evidence_photo_in(tx, actor, enrolment, component, caption, &photo))
    }

    /// An enrolment's evidence photos, oldest first, as (id, caption, photo). Admin and office may see
    /// them; a trainer on the runs they are assigned to.
    pub fn evidence_photos(&self, actor: &Actor, enrolment: Id) -> Result<Vec<(Id, Option<String>, Photo)>> {
        require_evidence_access(self.conn(), actor, enrolment)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, caption, image FROM evidence_photos WHERE enrolment_id = ?1 ORDER BY taken_at, id",
        )?;
        let rows = stmt.query_map([enrolment], |r| Ok((r.get::<_, Id>(0)?, r.get(1)?, r.get::<_, Vec<u8>>(2)?)))?;
        rows.map(|row| {
            let (id, caption, bytes) = row?;
            Ok((id, caption, Photo::from_stored(bytes)?))
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use image::codecs::jpeg::JpegEncoder;
    use image::{Rgb, RgbImage};

    use crate::audit::{self, AuditFilter};
    use crate::testing::Fixture;
    use crate::{Actor, Error, Id, NewUser, Role, Store};

    struct World {
        _fx: Fixture,
        store: Store,
        admin: Actor,
        office: Actor,
        trainer: Actor,
        other_trainer: Actor,
        candidate: Id,
        enrolment: Id,
        component: Id,
        foreign_component: Id,
    }

    /// A store with a candidate enrolled on a run taught by `tess` (not by `tom`).
    fn world() -> World {
        let fx = Fixture::new(false);
        let init = fx.init();
        let (mut store, admin) = (init.store, init.admin);
        for (u, role) in [("olly", Role::Office), ("tess", Role::Trainer), ("tom", Role::Trainer)] {
            store.add_user(&admin, &NewUser { username: u, display_name: u, role, password: "a password 1" }).unwrap();
        }
        let office = store.login("olly", "a password 1").unwrap();
        let trainer = store.login("tess", "a password 1").unwrap();
        let other_trainer = store.login("tom", "a password 1").unwrap();
        let (candidate, enrolment, component, foreign_component) = (Id::new(), Id::new(), Id::new(), Id::new());
        let (course, other_course, run, tess, tom) = (Id::new(), Id::new(), Id::new(), Id::new(), Id::new());
        let now = "2026-11-22T10:00:00Z";
        let conn = store.conn();
        for (id, code) in [(course, "FLT-CB"), (other_course, "MEWP")] {
            conn.execute(
                "INSERT INTO courses (id, code, title, course_type, category, length_days, duration_hours)
                 VALUES (?1, ?2, 'A course', 'training', 'Counterbalance lift truck', 3, 21)",
                rusqlite::params![id, code],
            )
            .unwrap();
        }
        for (id, c) in [(component, course), (foreign_component, other_course)] {
            conn.execute(
                "INSERT INTO course_components (id, course_id, position, name, kind) VALUES (?1, ?2, 0, 'Practical', 'observation')",
                rusqlite::params![id, c],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO course_runs (id, course_id, starts_on, ends_on, created_at) VALUES (?1, ?2, '2026-11-20', '2026-11-22', ?3)",
            rusqlite::params![run, course, now],
        )
        .unwrap();
        for (id, user, name) in [(tess, trainer.id(), "Tess"), (tom, other_trainer.id(), "Tom")] {
            conn.execute(
                "INSERT INTO trainers (id, user_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![id, user, name, now],
            )
            .unwrap();
        }
        conn.execute("INSERT INTO run_trainers (run_id, trainer_id) VALUES (?1, ?2)", rusqlite::params![run, tess])
            .unwrap();
        conn.execute(
            "INSERT INTO candidates (id, forename, surname, created_at, updated_at) VALUES (?1, 'Zoë', 'Kowalski', ?2, ?2)",
            rusqlite::params![candidate, now],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO enrolments (id, run_id, candidate_id, status, created_at) VALUES (?1, ?2, ?3, 'attended', ?4)",
            rusqlite::params![enrolment, run, candidate, now],
        )
        .unwrap();
        World {
            _fx: fx,
            store,
            admin,
            office,
            trainer,
            other_trainer,
            candidate,
            enrolment,
            component,
            foreign_component,
        }
    }

    fn jpeg(w: u32, h: u32, shade: u8) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, shade]));
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
        out
    }

    #[test]
    fn office_sets_a_portrait_office_sees_it_and_the_audit_holds_its_hash() {
        let mut w = world();
        let office = w.office.clone();
        assert_eq!(w.store.candidate_photo(&w.trainer, w.candidate).unwrap(), None);
        w.store.set_candidate_photo(&office, w.candidate, &jpeg(700, 900, 10), None).unwrap();
        // A trainer sees the names of the people on their runs, not their portraits.
        assert_eq!(w.store.candidate_photo(&w.trainer, w.candidate).unwrap(), None);
        let not_theirs = w.store.candidate_photo(&w.other_trainer, w.candidate);
        assert!(matches!(not_theirs, Err(Error::NotFound { what: "candidate", .. })));
        let p = w.store.candidate_photo(&office, w.candidate).unwrap().expect("a photo");
        assert_eq!((p.width(), p.height()), (420, 540));
        let first_sha = crate::crypto::hex(&crate::crypto::sha256(&[p.as_bytes()]));
        w.store.set_candidate_photo(&w.admin.clone(), w.candidate, &jpeg(350, 450, 200), None).unwrap();
        let q = w.store.candidate_photo(&w.office, w.candidate).unwrap().unwrap();
        assert_eq!((q.width(), q.height()), (350, 450));
        let second_sha = crate::crypto::hex(&crate::crypto::sha256(&[q.as_bytes()]));

        let entries = audit::list(
            &w.store,
            &w.admin,
            &AuditFilter { entity_id: Some(w.candidate.to_string()), ..Default::default() },
        )
        .unwrap();
        let photo_entries: Vec<_> = entries.iter().filter(|e| e.action == "candidate.photo").collect();
        assert_eq!(photo_entries.len(), 2);
        let newest = photo_entries[0].changes.as_ref().unwrap();
        assert_eq!(newest[0].before, Some(first_sha.clone().into()));
        assert_eq!(newest[0].after, Some(second_sha.into()));
        let oldest = photo_entries[1].changes.as_ref().unwrap();
        assert_eq!((oldest[0].before.clone(), oldest[0].after.clone()), (None, Some(first_sha.into())));
        let json = serde_json::to_string(&entries).unwrap();
        assert!(json.len() < 4000, "no image bytes in the audit log");
        let updated: String = w
            .store
            .conn()
            .query_row("SELECT updated_at FROM candidates WHERE id = ?1", [w.candidate], |r| r.get(0))
            .unwrap();
        assert!(updated.as_str() > "2026-11-22T10:00:00Z", "updated_at moved on: {updated}");
    }

    #[test]
    fn portraits_are_refused_for_trainers_bad_files_and_unknown_candidates() {
        let mut w = world();
        let trainer = w.trainer.clone();
        let err = w.store.set_candidate_photo(&trainer, w.candidate, &jpeg(350, 450, 0), None).unwrap_err();
        assert!(matches!(err, Error::Forbidden { role: Role::Trainer, .. }));
        let office = w.office.clone();
        let err = w.store.set_candidate_photo(&office, w.candidate, b"%PDF-1.4", None).unwrap_err();
        assert!(matches!(err, Error::Invalid { field: "photo", .. }));
        let err = w.store.set_candidate_photo(&office, Id::new(), &jpeg(350, 450, 0), None).unwrap_err();
        assert!(matches!(err, Error::NotFound { what: "candidate", .. }));
        assert!(matches!(w.store.candidate_photo(&office, Id::new()), Err(Error::NotFound { .. })));
        assert_eq!(w.store.candidate_photo(&office, w.candidate).unwrap(), None, "nothing was written");
    }

    #[test]
    fn the_runs_trainer_adds_and_sees_evidence_others_may_not() {
        let mut w = world();
        let (trainer, other, office) = (w.trainer.clone(), w.other_trainer.clone(), w.office.clone());
        let a = w
            .store
            .add_evidence_photo(
                &trainer,
                w.enrolment,
                Some(w.component),
                Some("Pallet stacking".into()),
                &jpeg(2400, 1800, 50),
            )
            .unwrap();
        let b = w.store.add_evidence_photo(&office, w.enrolment, None, None, &jpeg(300, 200, 90)).unwrap();
        let seen = w.store.evidence_photos(&trainer, w.enrolment).unwrap();
        assert_eq!(seen.iter().map(|(id, ..)| *id).collect::<Vec<_>>(), vec![a, b]);
        assert_eq!(seen[0].1.as_deref(), Some("Pallet stacking"));
        assert_eq!((seen[0].2.width(), seen[0].2.height()), (1600, 1200), "scaled down, not cropped");
        assert_eq!((seen[1].2.width(), seen[1].2.height()), (300, 200));
        assert_eq!(w.store.evidence_photos(&w.admin, w.enrolment).unwrap().len(), 2);

        // Outside their runs the enrolment is not found: a refusal would confirm it exists.
        let err = w.store.add_evidence_photo(&other, w.enrolment, None, None, &jpeg(300, 200, 0)).unwrap_err();
        assert!(matches!(err, Error::NotFound { what: "enrolment", .. }), "{err}");
        assert!(matches!(w.store.evidence_photos(&other, w.enrolment), Err(Error::NotFound { what: "enrolment", .. })));
        let err = w
            .store
            .add_evidence_photo(&trainer, w.enrolment, Some(w.foreign_component), None, &jpeg(300, 200, 0))
            .unwrap_err();
        assert!(err.to_string().contains("not part of this enrolment's course"), "{err}");
        let err = w.store.add_evidence_photo(&trainer, Id::new(), None, None, &jpeg(300, 200, 0)).unwrap_err();
        assert!(matches!(err, Error::NotFound { what: "enrolment", .. }));
        assert!(w.store.add_evidence_photo(&trainer, w.enrolment, None, None, b"junk").is_err());
        assert_eq!(w.store.evidence_photos(&office, w.enrolment).unwrap().len(), 2, "refusals wrote nothing");

        let entries = audit::list(
            &w.store,
            &w.admin,
            &AuditFilter { entity: Some("evidence_photo".into()), ..Default::default() },
        )
        .unwrap();
        assert_eq!(entries.len(), 2);
        let changes = entries.iter().find(|e| e.entity_id == Some(a.to_string())).unwrap().changes.clone().unwrap();
        let sha = crate::crypto::hex(&crate::crypto::sha256(&[seen[0].2.as_bytes()]));
        assert!(changes.iter().any(|c| c.field == "image_sha256" && c.after == Some(sha.clone().into())));
    }
}
