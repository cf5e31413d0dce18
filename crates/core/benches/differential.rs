//! One differential over the full atlas, beside the pain-guide baseline on the same drawings.
//!
//! Run with `cargo bench -p taut-core --bench differential`; results go in docs/performance.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use taut_atlas::{Atlas, RegionRef};
use taut_core::differential::{Drawing, DrawnRegion, Ranker};
use taut_core::eval::pain_guide;

fn drawing(regions: &[&str]) -> Drawing {
    Drawing {
        regions: regions
            .iter()
            .map(|r| DrawnRegion {
                region: r.parse::<RegionRef>().expect("valid region"),
                intensity: Some(6),
            })
            .collect(),
        ..Drawing::default()
    }
}

fn bench(c: &mut Criterion) {
    let atlas = Atlas::embedded().expect("valid atlas");
    let ranker = Ranker::new(atlas);
    let drawings = [
        ("2 regions", drawing(&["temple:right", "neck-posterior:right"])),
        (
            "8 regions, both sides",
            drawing(&[
                "temple:both",
                "neck-posterior:both",
                "shoulder-top:right",
                "interscapular:right",
                "lower-back:left",
                "buttock:left",
                "thigh-lateral:left",
                "sacrum",
            ]),
        ),
    ];
    for (name, drawing) in &drawings {
        c.bench_function(&format!("differential/{name}"), |b| {
            b.iter(|| ranker.rank(black_box(drawing), 10))
        });
        c.bench_function(&format!("pain-guide baseline/{name}"), |b| {
            b.iter(|| pain_guide(atlas, black_box(drawing)))
        });
    }
    c.bench_function("ranker preparation (once per process)", |b| {
        b.iter(|| Ranker::new(black_box(atlas)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
