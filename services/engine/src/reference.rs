//! An in-memory copy of the reference data (categories, departments, grids, rules), reloaded from
//! the store on demand. Requests read it without touching the database.

use gridflow_domain::geo::{Grid, LatLon, resolve_grid};
use gridflow_domain::ports::{Category, ReferenceData, Store, StoreError};
use std::sync::{Arc, RwLock};

#[derive(Clone, Default)]
pub struct ReferenceCache {
    inner: Arc<RwLock<Arc<ReferenceData>>>,
}

impl ReferenceCache {
    pub async fn load(store: &dyn Store) -> Result<ReferenceCache, StoreError> {
        let cache = ReferenceCache::default();
        cache.reload(store).await?;
        Ok(cache)
    }

    pub async fn reload(&self, store: &dyn Store) -> Result<(), StoreError> {
        let data = Arc::new(store.reference().await?);
        if let Ok(mut guard) = self.inner.write() {
            *guard = data;
        }
        Ok(())
    }

    pub fn get(&self) -> Arc<ReferenceData> {
        self.inner.read().map(|g| Arc::clone(&g)).unwrap_or_default()
    }

    pub fn category(&self, code: &str) -> Option<Category> {
        self.get().categories.iter().find(|c| c.code == code).cloned()
    }

    pub fn has_department(&self, code: &str) -> bool {
        self.get().departments.iter().any(|d| d.code == code)
    }

    pub fn grid_at(&self, lat: f64, lon: f64) -> Option<Grid> {
        resolve_grid(&self.get().grids, LatLon { lat, lon }).cloned()
    }
}
