//! Geography: grid layers from GeoJSON with validation, spatial index and deterministic point lookup.
