//! The distributed driver (`fit_collective`) over shards held in memory
//! equals the single-process fit: rows split i mod S, statistics summed
//! shard by shard, the same M-step, for every covariance type, and the
//! same re-seeding when a component collapses; the hc, random,
//! random-from-data and labels starts (with n_init runs drawn from one stream) give the
//! single-process start for any number of shards, with mclust's models too.
//! (The k-means starts need the distributed k-means: they are checked end to
//! end in `crates/clusterlab/tests/distributed.rs`.)

use clusterlab_em::{
    random_responsibility_row, shard_point_log_likelihoods, shard_statistics,
    shard_statistics_from_responsibilities, Collective, CovarianceModel, CovarianceType,
    Covariances, Engine, GaussianMixture, GmmError, GmmModel, Init, ShardStats, Start,
};
use ndarray::{array, s, Array1, Array2, ArrayView1, Axis};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Rows i with i mod S = s, for each s, and their global indices.
struct Shards {
    parts: Vec<(Vec<usize>, Array2<f64>)>,
    d: usize,
}

impl Shards {
    fn new(x: &Array2<f64>, count: usize) -> Self {
        let parts = (0..count)
            .map(|s| {
                let idx: Vec<usize> = (s..x.nrows()).step_by(count).collect();
                (idx.clone(), x.select(Axis(0), &idx))
            })
            .collect();
        Shards {
            parts,
            d: x.ncols(),
        }
    }
}

impl Collective for Shards {
    fn moments(&mut self) -> Result<(usize, Array1<f64>, Array1<f64>), GmmError> {
        let n: usize = self.parts.iter().map(|p| p.1.nrows()).sum();
        let mut mean = Array1::zeros(self.d);
        for (_, x) in &self.parts {
            mean += &x.sum_axis(Axis(0));
        }
        mean /= n as f64;
        let mut var = Array1::zeros(self.d);
        for (_, x) in &self.parts {
            var += &(x - &mean).mapv(|v| v * v).sum_axis(Axis(0));
        }
        var /= n as f64;
        Ok((n, mean, var))
    }
    fn statistics(&mut self, m: &GmmModel, c: ArrayView1<f64>) -> Result<ShardStats, GmmError> {
        let mut total = ShardStats::zeros(m.covariance_type(), m.n_components(), self.d);
        for (_, x) in &self.parts {
            total.add(&shard_statistics(Engine::Fast, m, x.view(), c));
        }
        Ok(total)
    }
    fn worst_points(
        &mut self,
        m: &GmmModel,
        c: ArrayView1<f64>,
        count: usize,
    ) -> Result<Vec<(usize, Array1<f64>)>, GmmError> {
        let mut all = Vec::new();
        for (idx, x) in &self.parts {
            let ll = shard_point_log_likelihoods(Engine::Fast, m, x.view(), c);
            for (r, &i) in idx.iter().enumerate() {
                all.push((ll[r], i, x.row(r).to_owned()));
            }
        }
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        Ok(all
            .into_iter()
            .take(count)
            .map(|(_, i, r)| (i, r))
            .collect())
    }
    fn rows_at(&mut self, which: &[usize]) -> Result<Vec<Array1<f64>>, GmmError> {
        let s = self.parts.len();
        Ok(which
            .iter()
            .map(|&i| self.parts[i % s].1.row(i / s).to_owned())
            .collect())
    }
    fn kmeans_plus_plus(
        &mut self,
        _: usize,
        _: &mut Xoshiro256PlusPlus,
    ) -> Result<Vec<usize>, GmmError> {
        Err(GmmError::InvalidData(
            "these in-memory shards run no k-means".into(),
        ))
    }
    fn start_statistics(
        &mut self,
        start: &Start,
        ty: CovarianceType,
        k: usize,
        c: ArrayView1<f64>,
    ) -> Result<ShardStats, GmmError> {
        let mut total = ShardStats::zeros(ty, k, self.d);
        for (idx, x) in &self.parts {
            let mut resp = Array2::<f64>::zeros((x.nrows(), k));
            for (r, &i) in idx.iter().enumerate() {
                match start {
                    Start::Points(p) => {
                        for (j, &at) in p.iter().enumerate() {
                            if at == i {
                                resp[[r, j]] = 1.0;
                            }
                        }
                    }
                    Start::Labels(l) => resp[[r, l[i]]] = 1.0,
                    Start::Random(stream) => random_responsibility_row(
                        *stream,
                        i,
                        resp.row_mut(r).as_slice_mut().unwrap(),
                    ),
                    Start::KMeans(_) => {
                        return Err(GmmError::InvalidData(
                            "these in-memory shards run no k-means".into(),
                        ))
                    }
                }
            }
            total.add(&shard_statistics_from_responsibilities(
                Engine::Fast,
                ty,
                x.view(),
                c,
                &mut resp,
            ));
        }
        Ok(total)
    }
}

fn data() -> Array2<f64> {
    let truth = GmmModel::new(
        array![0.5, 0.3, 0.2],
        array![[0.0, 0.0, 1.0], [4.0, 1.0, -2.0], [-3.0, 5.0, 0.5]],
        Covariances::Spherical(array![1.0, 0.5, 2.0]),
    )
    .unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(17);
    truth.sample(3000, &mut rng).0
}

fn start(ty: CovarianceType, far: bool) -> GmmModel {
    let means = if far {
        // The third component sits far from every point: its weight collapses.
        array![[0.5, 0.0, 0.5], [3.0, 1.5, -1.0], [1e3, 1e3, 1e3]]
    } else {
        array![[0.5, 0.0, 0.5], [3.0, 1.5, -1.0], [-2.0, 4.0, 0.0]]
    };
    let cov = match ty {
        CovarianceType::Full => {
            Covariances::Full(ndarray::Array3::from_shape_fn((3, 3, 3), |(_, a, b)| {
                if a == b {
                    2.0
                } else {
                    0.3
                }
            }))
        }
        CovarianceType::Diag => Covariances::Diag(Array2::from_elem((3, 3), 2.0)),
        CovarianceType::Spherical => Covariances::Spherical(array![2.0, 2.0, 2.0]),
        CovarianceType::Tied => Covariances::Tied(Array2::from_shape_fn((3, 3), |(a, b)| {
            if a == b {
                2.0
            } else {
                0.3
            }
        })),
    };
    GmmModel::new(array![0.4, 0.4, 0.2], means, cov).unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

fn check(ty: CovarianceType, far: bool, shards: usize) {
    let x = data();
    let p = GaussianMixture::params(3)
        .covariance_type(ty)
        .init(Init::Model(Box::new(start(ty, far))))
        .n_init(1)
        .tol(0.0)
        .max_iter(20)
        .check()
        .unwrap();
    let one = p.fit(x.view(), None).unwrap();
    let many = p.fit_collective(&mut Shards::new(&x, shards)).unwrap();
    let what = format!("{ty}, far {far}, {shards} shards");
    assert_eq!(many.n, 3000);
    assert_eq!(many.n_iter, one.n_iter, "{what}");
    assert!(
        close(many.log_likelihood, one.log_likelihood, 1e-12),
        "{what}: {} vs {}",
        many.log_likelihood,
        one.log_likelihood
    );
    for (a, b) in many.lower_bounds.iter().zip(&one.lower_bounds) {
        assert!(close(*a, *b, 1e-12), "{what}: lower bound {a} vs {b}");
    }
    let pairs = [
        (many.model.weights().to_vec(), one.model.weights().to_vec()),
        (
            many.model.means().iter().copied().collect(),
            one.model.means().iter().copied().collect(),
        ),
    ];
    for (a, b) in pairs {
        for (u, v) in a.iter().zip(&b) {
            assert!((u - v).abs() <= 1e-10, "{what}: {u} vs {v}");
        }
    }
    let cov = |m: &GmmModel| -> Vec<f64> {
        match m.covariances() {
            Covariances::Full(c) => c.iter().copied().collect(),
            Covariances::Diag(c) => c.iter().copied().collect(),
            Covariances::Spherical(c) => c.to_vec(),
            Covariances::Tied(c) => c.iter().copied().collect(),
        }
    };
    for (u, v) in cov(&many.model).iter().zip(&cov(&one.model)) {
        assert!((u - v).abs() <= 1e-10, "{what}: covariance {u} vs {v}");
    }
    assert_eq!(many.warnings, one.warnings, "{what}");
    if far {
        assert!(
            one.warnings.iter().any(|w| w.contains("re-seeded")),
            "{what}: {:?}",
            one.warnings
        );
    }
    // The shards really split the rows.
    assert_eq!(
        Shards::new(&x, shards).parts[0].1.slice(s![0, ..]),
        x.row(0)
    );
}

#[test]
fn shards_give_the_single_process_fit() {
    for ty in CovarianceType::ALL {
        for shards in [1, 3, 4] {
            check(ty, false, shards);
        }
    }
}

#[test]
fn a_collapsed_component_is_reseeded_at_the_same_point() {
    for ty in [CovarianceType::Full, CovarianceType::Diag] {
        check(ty, true, 3);
    }
}

/// The data-driven starts (hc, and n_init 3 from one seed) and mclust's models:
/// the collective fit equals the single-process fit for 1, 3 and 4 shards.
#[test]
fn hc_random_point_and_label_starts_give_the_single_process_fit() {
    let x = data();
    let labels: Vec<usize> = (0..x.nrows()).map(|i| (i * 7 + i / 5) % 3).collect();
    let starts = [
        // 3000 rows: the hierarchical start's tree is built on a subset of 2000, gathered.
        ("hc", Init::Hc, 1),
        ("random", Init::Random, 3),
        ("random-from-data", Init::RandomFromData, 3),
        ("labels", Init::Labels(labels), 1),
    ];
    for model in [
        CovarianceModel::VVV,
        CovarianceModel::VEV,
        CovarianceModel::EEI,
        CovarianceModel::VII,
        // Tied: a start at k points takes its scatter from those rows only.
        CovarianceModel::EEE,
    ] {
        for (name, init, n_init) in &starts {
            // The tree on 2000 rows is slow in a debug build: one model suffices for it.
            if *name == "hc" && model != CovarianceModel::VVV {
                continue;
            }
            let p = GaussianMixture::params(3)
                .model(model)
                .init(init.clone())
                .n_init(*n_init)
                .seed(9)
                .tol(0.0)
                .max_iter(15)
                .check()
                .unwrap();
            let one = p.fit(x.view(), None).unwrap();
            for shards in [1, 3, 4] {
                let many = p.fit_collective(&mut Shards::new(&x, shards)).unwrap();
                let what = format!("{model}, {name}, {shards} shards");
                assert_eq!(many.n_iter, one.n_iter, "{what}");
                assert!(
                    close(many.log_likelihood, one.log_likelihood, 1e-12),
                    "{what}: {} vs {}",
                    many.log_likelihood,
                    one.log_likelihood
                );
                let a = serde_json::to_value(&many.model).unwrap();
                let b = serde_json::to_value(&one.model).unwrap();
                let (a, b) = (numbers(&a), numbers(&b));
                assert_eq!(a.len(), b.len(), "{what}");
                for (u, v) in a.iter().zip(&b) {
                    assert!((u - v).abs() <= 1e-10, "{what}: {u} vs {v}");
                }
                let (a, b) = (
                    numbers(&serde_json::to_value(&many.initial_model).unwrap()),
                    numbers(&serde_json::to_value(&one.initial_model).unwrap()),
                );
                for (u, v) in a.iter().zip(&b) {
                    assert!((u - v).abs() <= 1e-10, "{what}: start {u} vs {v}");
                }
                assert_eq!(many.warnings, one.warnings, "{what}");
            }
        }
    }
}

/// Every number in a JSON value, in order.
fn numbers(v: &serde_json::Value) -> Vec<f64> {
    match v {
        serde_json::Value::Number(n) => vec![n.as_f64().unwrap()],
        serde_json::Value::Array(a) => a.iter().flat_map(numbers).collect(),
        serde_json::Value::Object(o) => o.values().flat_map(numbers).collect(),
        _ => Vec::new(),
    }
}

/// Row i's random responsibilities are SplitMix64's output at counters
/// i·k + j of the stream, normalised: values from an independent Python
/// evaluation of that formula (stream 5, row 2, k = 3).
#[test]
fn random_responsibilities_are_counter_based() {
    let mut a = [0.0; 3];
    random_responsibility_row(5, 2, &mut a);
    let want = [0.5124825250497207, 0.2657673251485873, 0.22175014980169214];
    for (u, v) in a.iter().zip(want) {
        assert!((u - v).abs() <= 1e-15, "{a:?}");
    }
}

/// Above `AUTO_SCREEN_ROWS` rows `auto` screens its starts on a sample: the
/// collective fit gathers the single-process fit's sample and reaches the same
/// fit (one start: mclust's quantile classes, as the data has one feature).
#[test]
fn auto_screens_on_the_single_process_fits_sample() {
    let n = clusterlab_em::AUTO_SCREEN_ROWS + 700;
    let x = Array2::from_shape_fn((n, 1), |(i, _)| {
        let g = (i % 3) as f64;
        4.0 * g + (1.0 + g) * (((i * 7919) % 1000) as f64 / 1000.0 - 0.5)
    });
    let p = GaussianMixture::params(3)
        .model(CovarianceModel::V)
        .init(Init::Auto)
        .n_init(1)
        .seed(4)
        .check()
        .unwrap();
    let one = p.fit(x.view(), None).unwrap();
    assert!(one.converged);
    for shards in [1, 3] {
        let many = p.fit_collective(&mut Shards::new(&x, shards)).unwrap();
        assert_eq!(many.n_iter, one.n_iter, "{shards} shards");
        assert_eq!(many.lower_bounds.len(), one.lower_bounds.len());
        for (a, b) in many.lower_bounds.iter().zip(&one.lower_bounds) {
            assert!(close(*a, *b, 1e-12), "{shards} shards: {a} vs {b}");
        }
        assert!(close(many.log_likelihood, one.log_likelihood, 1e-12));
    }
}
