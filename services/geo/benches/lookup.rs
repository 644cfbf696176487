//! Point-to-grid lookups per second: the demo district (48 communities, 400+ unit grids) and a
//! flat layer of 10,000 polygons (city scale). Throughput is reported in lookups (elements)/s.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geo::BoundingRect;
use gridflow_geo::{Area, AreaLevel, Geography, Grid, Layer, SplitMix64, SyntheticDistrict, generate_polygons};

const POINTS: usize = 4096;

/// Random points over the bounding box of everything in `layer`: mostly hits, some misses near
/// the jagged outer border, like GPS fixes around a district.
fn sample_points(geo: &Geography, layer: &Layer, seed: u64) -> Vec<(f64, f64)> {
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for rect in geo.grids(layer).iter().filter_map(|g| g.polygon.bounding_rect()) {
        min_x = min_x.min(rect.min().x);
        min_y = min_y.min(rect.min().y);
        max_x = max_x.max(rect.max().x);
        max_y = max_y.max(rect.max().y);
    }
    let mut rng = SplitMix64::new(seed);
    (0..POINTS).map(|_| (rng.range(min_y, max_y), rng.range(min_x, max_x))).collect()
}

/// 10,000 generated polygons as unit grids of 11 communities (a 3-digit serial allows 999 per
/// community), validated through the same path as any import.
fn city_layer(n: usize) -> Geography {
    let communities = n.div_ceil(999);
    let mut areas =
        vec![Area::new(AreaLevel::District, "110101", "东城区"), Area::new(AreaLevel::Street, "110101001", "基准街道")];
    areas.extend(
        (1..=communities).map(|c| Area::new(AreaLevel::Community, format!("110101001{c:03}"), format!("基准{c}社区"))),
    );
    let grids = generate_polygons(n, 11)
        .into_iter()
        .enumerate()
        .map(|(i, polygon)| {
            let community = format!("110101001{:03}", i / 999 + 1);
            Grid {
                code: format!("{community}{:03}", i % 999 + 1),
                name: format!("基准网格{i}"),
                layer: Layer::Unit,
                community,
                polygon,
            }
        })
        .collect();
    match Geography::from_parts(areas, grids) {
        Ok(geo) => geo,
        Err(errors) => panic!("benchmark layer invalid: {errors:?}"),
    }
}

fn bench_layer(c: &mut Criterion, name: &str, geo: &Geography) {
    let points = sample_points(geo, &Layer::Unit, 1);
    let hits = points.iter().filter(|&&(lat, lon)| geo.resolve(&Layer::Unit, lat, lon).is_some()).count();
    eprintln!("{name}: {} unit grids, {hits}/{POINTS} sample points inside a grid", geo.grids(&Layer::Unit).len());
    let mut group = c.benchmark_group("resolve");
    group.throughput(Throughput::Elements(points.len() as u64));
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut found = 0usize;
            for &(lat, lon) in &points {
                found += usize::from(geo.resolve(&Layer::Unit, black_box(lat), black_box(lon)).is_some());
            }
            found
        })
    });
    group.finish();
}

fn lookups(c: &mut Criterion) {
    let demo = match SyntheticDistrict::generate(42).into_geography() {
        Ok(geo) => geo,
        Err(errors) => panic!("demo district invalid: {errors:?}"),
    };
    bench_layer(c, "demo_district", &demo);
    bench_layer(c, "10k_polygons", &city_layer(10_000));

    // resolve_all: one lookup per layer (unit, responsibility, dedicated:school).
    let points = sample_points(&demo, &Layer::Unit, 2);
    let mut group = c.benchmark_group("resolve_all");
    group.throughput(Throughput::Elements(points.len() as u64));
    group.bench_function("demo_district", |b| {
        b.iter(|| {
            points.iter().map(|&(lat, lon)| demo.resolve_all(black_box(lat), black_box(lon)).len()).sum::<usize>()
        })
    });
    group.finish();

    // Import cost of the demo GeoJSON (parse + validate + index), for scale.
    let text = SyntheticDistrict::generate(42).to_geojson();
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.bench_function("demo_district_geojson", |b| b.iter(|| Geography::import(black_box(&text)).is_ok()));
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = lookups }
criterion_main!(benches);
