//! Reference data: categories, departments, grids and routing rules.

use crate::SeaStore;
use crate::sql::{get, json, map_err, stmt, to_json};
use gridflow_domain::geo::Grid;
use gridflow_domain::ports::{Category, Department, ReferenceData, RoutingRule, StoreError};
use sea_orm::{ConnectionTrait, TransactionTrait, Value};

impl SeaStore {
    pub(crate) async fn replace_reference(&self, d: &ReferenceData) -> Result<(), StoreError> {
        let txn = self.db.begin().await.map_err(map_err)?;
        for table in ["routing_rules", "grids", "departments", "categories"] {
            txn.execute_unprepared(&format!("DELETE FROM {table}")).await.map_err(map_err)?;
        }
        let mut rows: Vec<(&str, Vec<Value>)> = vec![];
        for c in &d.categories {
            rows.push((
                "INSERT INTO categories (code, name, name_en, kind, limit_minutes) VALUES ($1, $2, $3, $4, $5)",
                vec![
                    c.code.clone().into(),
                    c.name.clone().into(),
                    c.name_en.clone().into(),
                    c.kind.clone().into(),
                    c.limit_minutes.into(),
                ],
            ));
        }
        for dep in &d.departments {
            rows.push((
                "INSERT INTO departments (code, name) VALUES ($1, $2)",
                vec![dep.code.clone().into(), dep.name.clone().into()],
            ));
        }
        for g in &d.grids {
            rows.push((
                "INSERT INTO grids (code, name, ring) VALUES ($1, $2, $3)",
                vec![g.code.clone().into(), g.name.clone().into(), to_json(&g.ring)?.into()],
            ));
        }
        for r in &d.rules {
            rows.push((
                "INSERT INTO routing_rules (id, grid, category, department, priority) VALUES ($1, $2, $3, $4, $5)",
                vec![
                    r.id.into(),
                    r.grid.clone().into(),
                    r.category.clone().into(),
                    r.department.clone().into(),
                    r.priority.into(),
                ],
            ));
        }
        for (sql, vals) in rows {
            txn.execute_raw(stmt(self.backend, sql, vals)).await.map_err(map_err)?;
        }
        txn.commit().await.map_err(map_err)
    }

    pub(crate) async fn read_reference(&self) -> Result<ReferenceData, StoreError> {
        let q = |sql: &str| self.db.query_all_raw(stmt(self.backend, sql, vec![]));
        let categories = q("SELECT code, name, name_en, kind, limit_minutes FROM categories ORDER BY code")
            .await
            .map_err(map_err)?
            .iter()
            .map(|r| {
                Ok(Category {
                    code: get(r, "code")?,
                    name: get(r, "name")?,
                    name_en: get(r, "name_en")?,
                    kind: get(r, "kind")?,
                    limit_minutes: get(r, "limit_minutes")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let departments = q("SELECT code, name FROM departments ORDER BY code")
            .await
            .map_err(map_err)?
            .iter()
            .map(|r| Ok(Department { code: get(r, "code")?, name: get(r, "name")? }))
            .collect::<Result<_, StoreError>>()?;
        let grids = q("SELECT code, name, ring FROM grids ORDER BY code")
            .await
            .map_err(map_err)?
            .iter()
            .map(|r| {
                Ok(Grid {
                    code: get(r, "code")?,
                    name: get(r, "name")?,
                    ring: json(&get::<String>(r, "ring")?, "grid ring")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let rules = q("SELECT id, grid, category, department, priority FROM routing_rules ORDER BY id")
            .await
            .map_err(map_err)?
            .iter()
            .map(|r| {
                Ok(RoutingRule {
                    id: get(r, "id")?,
                    grid: get(r, "grid")?,
                    category: get(r, "category")?,
                    department: get(r, "department")?,
                    priority: get(r, "priority")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(ReferenceData { categories, departments, grids, rules })
    }
}
