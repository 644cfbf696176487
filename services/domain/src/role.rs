use serde::{Deserialize, Serialize};
use std::fmt;

/// Roles of DOMAIN.md §7; the snake_case names are used on the wire and in the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    GridWorker,
    IntakeOperator,
    Dispatcher,
    ShiftLead,
    SectionHead,
    Leader,
    UnitDispatcher,
    UnitHandler,
    Supervisor,
    Admin,
    /// Gridflow's own workers (router, timers). Never assignable to a user or API key.
    System,
}

impl Role {
    pub const ASSIGNABLE: [Role; 10] = [
        Role::GridWorker,
        Role::IntakeOperator,
        Role::Dispatcher,
        Role::ShiftLead,
        Role::SectionHead,
        Role::Leader,
        Role::UnitDispatcher,
        Role::UnitHandler,
        Role::Supervisor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::GridWorker => "grid_worker",
            Role::IntakeOperator => "intake_operator",
            Role::Dispatcher => "dispatcher",
            Role::ShiftLead => "shift_lead",
            Role::SectionHead => "section_head",
            Role::Leader => "leader",
            Role::UnitDispatcher => "unit_dispatcher",
            Role::UnitHandler => "unit_handler",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::System => "system",
        }
    }

    /// Parses an assignable role; `system` is deliberately not parseable from outside.
    pub fn parse(s: &str) -> Result<Role, String> {
        Role::ASSIGNABLE.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            let names: Vec<_> = Role::ASSIGNABLE.iter().map(|r| r.as_str()).collect();
            format!("unknown role `{s}`; expected one of {}", names.join(", "))
        })
    }

    /// Unit roles act only on cases dispatched to one of their `unit:` scopes.
    fn is_unit_role(self) -> bool {
        matches!(self, Role::UnitDispatcher | Role::UnitHandler)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    Grid,
    Unit,
    Street,
    District,
}

/// A limit on where a role applies, written `KIND:CODE` (e.g. `grid:110101001001001`).
/// Street and district codes are prefixes of the 15-digit grid code (6 district + 3 street + ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    pub kind: ScopeKind,
    pub code: String,
}

impl Scope {
    pub fn parse(s: &str) -> Result<Scope, String> {
        let (kind, code) = s.split_once(':').ok_or_else(|| format!("scope `{s}` must look like KIND:CODE"))?;
        let kind = match kind {
            "grid" => ScopeKind::Grid,
            "unit" => ScopeKind::Unit,
            "street" => ScopeKind::Street,
            "district" => ScopeKind::District,
            other => {
                return Err(format!("unknown scope kind `{other}`; expected grid, unit, street or district"));
            }
        };
        let valid = !code.is_empty()
            && code.len() <= 64
            && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(format!("scope code `{code}` must be 1-64 letters, digits, - or _"));
        }
        Ok(Scope { kind, code: code.to_string() })
    }

    fn covers_area(&self, grid: Option<&str>) -> bool {
        let Some(grid) = grid else { return false };
        match self.kind {
            ScopeKind::Grid => grid == self.code,
            ScopeKind::Street | ScopeKind::District => grid.starts_with(&self.code),
            ScopeKind::Unit => false,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            ScopeKind::Grid => "grid",
            ScopeKind::Unit => "unit",
            ScopeKind::Street => "street",
            ScopeKind::District => "district",
        };
        write!(f, "{kind}:{}", self.code)
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Scope, D::Error> {
        let s = String::deserialize(d)?;
        Scope::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Who issues a command: an authenticated user, API key, or Gridflow itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    pub roles: Vec<Role>,
    pub scopes: Vec<Scope>,
}

impl Actor {
    pub fn system(worker: &str) -> Actor {
        Actor { id: format!("system:{worker}"), roles: vec![Role::System], scopes: vec![] }
    }

    /// Does `role` (which this actor must hold) apply to a case in `grid` held by `department`?
    /// Unit roles need a matching `unit:` scope. Grid workers need a matching area scope. Centre
    /// roles are city-wide unless they carry area scopes, in which case one must match.
    pub fn role_applies(&self, role: Role, grid: Option<&str>, department: Option<&str>) -> bool {
        if !self.roles.contains(&role) {
            return false;
        }
        if role.is_unit_role() {
            return department.is_some_and(|d| self.scopes.iter().any(|s| s.kind == ScopeKind::Unit && s.code == d));
        }
        let mut area = self.scopes.iter().filter(|s| s.kind != ScopeKind::Unit).peekable();
        if area.peek().is_none() {
            return role != Role::GridWorker;
        }
        area.any(|s| s.covers_area(grid))
    }
}
