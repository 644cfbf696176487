//! The synthetic district: reproducible, valid through the importer, and a real tiling.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use geo::{Area as _, BoundingRect, Centroid, Contains, Polygon};
use gridflow_geo::validate::check_polygon;
use gridflow_geo::{AreaLevel, Geography, Grid, GridIndex, Layer, SplitMix64, SyntheticDistrict, generate_polygons};

fn import(seed: u64) -> Geography {
    match Geography::import(&SyntheticDistrict::generate(seed).to_geojson()) {
        Ok(g) => g,
        Err(e) => panic!("seed {seed}: {e:#?}"),
    }
}

#[test]
fn same_seed_same_geojson_different_seed_different() {
    let a = SyntheticDistrict::generate(42).to_geojson();
    let b = SyntheticDistrict::generate(42).to_geojson();
    let c = SyntheticDistrict::generate(43).to_geojson();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.contains("东城区") && a.contains("街道") && a.contains("社区") && a.contains("网格"));
}

#[test]
fn district_has_the_promised_size_and_validates() {
    for seed in [0, 1, 42, 0xDEAD_BEEF, u64::MAX] {
        let geo = import(seed);
        let count = |level| geo.areas().filter(|a| a.level == level).count();
        assert_eq!(count(AreaLevel::District), 1);
        assert!(count(AreaLevel::Street) >= 5, "seed {seed}");
        assert_eq!(count(AreaLevel::Community), 48);
        let units = geo.grids(&Layer::Unit).len();
        assert!((432..=768).contains(&units), "seed {seed}: {units}");
        assert_eq!(geo.grids(&Layer::Responsibility).len(), 48);
        // Every street has communities, every community unit grids.
        for street in geo.areas().filter(|a| a.level == AreaLevel::Street) {
            assert!(geo.children(&street.code).count() >= 2, "{}", street.code);
        }
        // The builder path accepts the same data.
        assert!(SyntheticDistrict::generate(seed).into_geography().is_ok());
    }
}

#[test]
fn geography_round_trips_through_geojson() {
    let text = import(9).to_geojson();
    let again = Geography::import(&text).unwrap();
    assert_eq!(again.to_geojson(), text);
}

#[test]
fn every_grid_centroid_resolves_to_its_own_grid() {
    let geo = import(42);
    let layers: Vec<Layer> = geo.layers().cloned().collect();
    assert_eq!(layers.len(), 3, "{layers:?}"); // unit, responsibility, dedicated:school
    let mut checked = 0;
    for layer in &layers {
        for grid in geo.grids(layer) {
            let c = grid.polygon.centroid().unwrap();
            let found = geo.resolve(layer, c.y(), c.x()).map(|g| g.code.as_str());
            assert_eq!(found, Some(grid.code.as_str()), "{layer} {}", grid.name);
            checked += 1;
        }
    }
    assert!(checked >= 400 + 48);
}

#[test]
fn unit_grids_tile_each_community_without_gaps_or_overlaps() {
    let geo = import(7);
    let mut rng = SplitMix64::new(99);
    for community in geo.areas().filter(|a| a.level == AreaLevel::Community) {
        let boundary = community.boundary.as_ref().unwrap();
        let own: Vec<&Grid> = geo.grids(&Layer::Unit).iter().filter(|g| g.community == community.code).collect();
        // Areas add up exactly (up to rounding): no gap and no overlap inside the community.
        let sum: f64 = own.iter().map(|g| g.polygon.unsigned_area()).sum();
        let whole = boundary.unsigned_area();
        assert!((sum - whole).abs() <= whole * 1e-9, "{}: {sum} vs {whole}", community.code);
        // Random points: each one inside the community is in exactly one unit grid, of this community.
        let bbox = boundary.bounding_rect().unwrap();
        let mut inside = 0;
        while inside < 60 {
            let (lon, lat) = (rng.range(bbox.min().x, bbox.max().x), rng.range(bbox.min().y, bbox.max().y));
            if !boundary.contains(&geo::Point::new(lon, lat)) {
                continue;
            }
            inside += 1;
            let hits = geo.containing(&Layer::Unit, lat, lon);
            assert_eq!(hits.len(), 1, "{} at ({lat}, {lon})", community.code);
            assert_eq!(hits[0].community, community.code);
            let resp = geo.resolve(&Layer::Responsibility, lat, lon).unwrap();
            assert_eq!(resp.community, community.code);
        }
    }
}

#[test]
fn points_outside_the_district_resolve_to_none() {
    let geo = import(3);
    let district = geo.area("110101").unwrap().boundary.as_ref().unwrap();
    let bbox = district.bounding_rect().unwrap();
    let (w, h) = (bbox.width(), bbox.height());
    for (lat, lon) in [
        (bbox.min().y - h * 0.01, bbox.center().x),
        (bbox.max().y + h * 0.01, bbox.center().x),
        (bbox.center().y, bbox.min().x - w * 0.01),
        (bbox.center().y, bbox.max().x + w * 0.01),
    ] {
        assert!(geo.resolve(&Layer::Unit, lat, lon).is_none());
        assert!(geo.resolve_all(lat, lon).iter().all(|(_, g)| g.is_none()));
    }
}

#[test]
fn bulk_polygons_are_valid_and_disjoint() {
    let polys = generate_polygons(2_500, 5);
    assert_eq!(polys.len(), 2_500);
    assert_eq!(generate_polygons(2_500, 5), polys);
    assert_ne!(generate_polygons(2_500, 6), polys);
    assert!(generate_polygons(0, 5).is_empty());
    for (i, p) in polys.iter().enumerate() {
        let mut problems = vec![];
        assert!(check_polygon(p, 0, &mut problems), "polygon {i}: {problems:?}");
    }
    let grids: Vec<Grid> = polys
        .iter()
        .enumerate()
        .map(|(i, p): (usize, &Polygon<f64>)| Grid {
            code: format!("P{i:05}"),
            name: format!("多边形{i}"),
            layer: Layer::Responsibility,
            community: "110101001001".into(),
            polygon: p.clone(),
        })
        .collect();
    let index = GridIndex::new(grids);
    for (i, p) in polys.iter().enumerate() {
        let c = p.centroid().unwrap();
        let hits = index.locate_all(c.x(), c.y());
        assert_eq!(hits.len(), 1, "polygon {i}");
        assert_eq!(hits[0].code, format!("P{i:05}"));
    }
}
