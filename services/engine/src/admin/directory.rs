//! Item-level edits of the unit directory (a unit, one handler of a unit, a facility). Each edit
//! reads the latest stored directory, changes that one item and imports the result through
//! [`super::import`] as the next revision: the same validation and cross-checks as a whole
//! document (a unit the rules still name cannot go, a facility must sit in a known grid), the
//! same revision check against a concurrent import, and nothing is written unless all of it holds.
//! What the documents cannot see — open cases — is checked against the store: a unit or handler
//! with open cases cannot be removed, or those cases would point at nobody. (A case dispatched
//! in the instant between that check and the write can still slip through; a dispatcher then
//! re-dispatches it, as for any unit that disappears.)

use super::{Summary, import};
use crate::reference::{DIRECTORY, ImportProblem, ReferenceCache, ReferenceError};
use gridflow_domain::ports::{Store, StoreError};
use gridflow_routing::{DirectoryDoc, Facility, Handler, Unit};

/// One change to the directory. `Put*` with `create: true` insists the item is new, with
/// `create: false` that it exists (and replaces it whole).
#[derive(Debug, Clone)]
pub enum Edit {
    PutUnit { unit: Unit, create: bool },
    DeleteUnit { unit: String },
    PutHandler { unit: String, handler: Handler, create: bool },
    DeleteHandler { unit: String, handler: String },
    PutFacility { facility: Facility, create: bool },
    DeleteFacility { facility: String },
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("no unit directory has been imported yet")]
    NoDirectory,
    #[error("{what} `{id}` does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("{what} `{id}` already exists")]
    Exists { what: &'static str, id: String },
    #[error("{what} `{id}` still has {open} open case(s); reassign or close them first")]
    InUse { what: &'static str, id: String, open: u64 },
    #[error(transparent)]
    Reference(#[from] ReferenceError),
}

impl From<StoreError> for EditError {
    fn from(e: StoreError) -> EditError {
        EditError::Reference(ReferenceError::Store(e))
    }
}

/// Applies `edit` as the next directory revision and returns what is in force afterwards.
pub async fn edit(
    store: &dyn Store,
    cache: Option<&ReferenceCache>,
    calendars: Option<&gridflow_calendar::CalendarSet>,
    edit: Edit,
    actor: &str,
) -> Result<Summary, EditError> {
    let stored =
        store.reference_docs().await?.into_iter().find(|d| d.kind == DIRECTORY).ok_or(EditError::NoDirectory)?;
    // The stored body passed validation when it was imported; failing to read it now means it was
    // written by a newer format than this build knows, which an admin must hear about.
    let mut doc: DirectoryDoc = serde_json::from_str(&stored.body).map_err(|e| {
        let problem = ImportProblem {
            document: DIRECTORY.into(),
            at: "document".into(),
            code: None,
            problem: format!("the stored directory cannot be read by this version: {e}"),
        };
        EditError::Reference(ReferenceError::Invalid(vec![problem]))
    })?;
    apply(store, &mut doc, edit).await?;
    let body = serde_json::to_string(&doc).map_err(|e| StoreError::Other(format!("encoding the directory: {e}")))?;
    Ok(import(store, cache, calendars, vec![(DIRECTORY.into(), body)], actor, Some(stored.revision)).await?)
}

async fn apply(store: &dyn Store, doc: &mut DirectoryDoc, edit: Edit) -> Result<(), EditError> {
    match edit {
        Edit::PutUnit { unit, create } => {
            let at = doc.units.iter().position(|u| u.id == unit.id);
            match (at, create) {
                (Some(_), true) => return Err(EditError::Exists { what: "unit", id: unit.id }),
                (None, false) => return Err(EditError::NotFound { what: "unit", id: unit.id }),
                (None, true) => doc.units.push(unit),
                (Some(i), false) => {
                    for old in &doc.units[i].handlers {
                        if !unit.handlers.iter().any(|h| h.id == old.id) {
                            handler_idle(store, &unit.id, &old.id).await?;
                        }
                    }
                    doc.units[i] = unit;
                }
            }
        }
        Edit::DeleteUnit { unit } => {
            let i = unit_index(doc, &unit)?;
            let open = store.open_case_count(&unit).await?;
            if open > 0 {
                return Err(EditError::InUse { what: "unit", id: unit, open });
            }
            doc.units.remove(i);
        }
        Edit::PutHandler { unit, handler, create } => {
            let u = unit_index(doc, &unit)?;
            let handlers = &mut doc.units[u].handlers;
            match (handlers.iter().position(|h| h.id == handler.id), create) {
                (Some(_), true) => return Err(EditError::Exists { what: "handler", id: handler.id }),
                (None, false) => return Err(EditError::NotFound { what: "handler", id: handler.id }),
                (None, true) => handlers.push(handler),
                (Some(i), false) => handlers[i] = handler,
            }
        }
        Edit::DeleteHandler { unit, handler } => {
            let u = unit_index(doc, &unit)?;
            let i = doc.units[u]
                .handlers
                .iter()
                .position(|h| h.id == handler)
                .ok_or_else(|| EditError::NotFound { what: "handler", id: handler.clone() })?;
            handler_idle(store, &unit, &handler).await?;
            doc.units[u].handlers.remove(i);
        }
        Edit::PutFacility { facility, create } => {
            match (doc.facilities.iter().position(|f| f.id == facility.id), create) {
                (Some(_), true) => return Err(EditError::Exists { what: "facility", id: facility.id }),
                (None, false) => return Err(EditError::NotFound { what: "facility", id: facility.id }),
                (None, true) => doc.facilities.push(facility),
                (Some(i), false) => doc.facilities[i] = facility,
            }
        }
        Edit::DeleteFacility { facility } => {
            let i = doc
                .facilities
                .iter()
                .position(|f| f.id == facility)
                .ok_or_else(|| EditError::NotFound { what: "facility", id: facility.clone() })?;
            doc.facilities.remove(i);
        }
    }
    Ok(())
}

fn unit_index(doc: &DirectoryDoc, unit: &str) -> Result<usize, EditError> {
    doc.units.iter().position(|u| u.id == unit).ok_or_else(|| EditError::NotFound { what: "unit", id: unit.into() })
}

async fn handler_idle(store: &dyn Store, unit: &str, handler: &str) -> Result<(), EditError> {
    let loads = store.handler_loads(unit).await?;
    match loads.iter().find(|(h, _)| h == handler) {
        Some((_, open)) if *open > 0 => {
            Err(EditError::InUse { what: "handler", id: handler.into(), open: u64::from(*open) })
        }
        _ => Ok(()),
    }
}
