//! Routing decisions per second on the demo dataset (full `Decision` with candidates and trace,
//! as the explain endpoint would build it).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gridflow_routing::demo;

fn route(c: &mut Criterion) {
    // A benchmark that measures nothing must not pass as one that ran: fail the run.
    let router = match demo::router() {
        Ok(router) => router,
        Err(e) => panic!("the demo data failed to load, so there is nothing to measure: {e}"),
    };
    let requests = demo::sample_requests(&router, 10_000, 7);
    let mut group = c.benchmark_group("route");
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("demo_10k_mixed", |b| {
        b.iter(|| {
            for req in &requests {
                black_box(router.route(black_box(req)));
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).sample_size(20);
    targets = route
}
criterion_main!(benches);
