//! The pictures: one module per picture, each a pure function from a
//! computed [`crate::study::Study`] to a file, drawn with the shared [`kit`].
//!
//! Pictures (one file each, named after what it draws):
//!
//! * [`hard_vs_soft`]: `hard-vs-soft.png`, k-means' hard clusters beside
//!   EM's soft responsibilities.
//! * [`em_vs_kmeans`]: `em-vs-kmeans.png`, both boundaries, EM's
//!   uncertainty, the points where the two disagree.
//! * [`responsibilities`]: `responsibilities.png`, stacked bars of the most
//!   uncertain points' responsibilities.
//! * [`convergence`]: `convergence.png`, EM's log-likelihood per iteration
//!   for each covariance type.
//! * [`bic`]: `bic.png`, BIC against k for each covariance type.
//! * [`optics`]: `optics-reachability.png`, the reachability plot beside
//!   the clusters.
//! * [`hdbscan`]: `hdbscan.png`, clusters with membership probabilities and
//!   GLOSH outliers.
//! * [`hdbscan_soft`]: `hdbscan-soft.png`, HDBSCAN's membership vectors
//!   beside EM's responsibilities, blended alike.
//! * [`condensed_tree`]: `condensed-tree.png`, HDBSCAN's condensed tree
//!   with the selected clusters ringed.
//! * [`init_sensitivity`]: `init-sensitivity.png`, EM from many starts:
//!   the optima reached, by init method, the best and the worst drawn.
//! * [`em_from_kmeans`]: `em-from-kmeans.png`, EM started from k-means'
//!   labels: arrows from the centroids to EM's means, changed points ringed.
//! * [`trace_gif`]: `em-trace.gif`, EM animated iteration by iteration.
//! * [`k_choice`]: `k-choice.png`, BIC's k beside the Bayesian mixture's
//!   weights switching components off.
//! * [`em_to_kmeans`]: `em-to-kmeans.gif` and `.png`, EM with one shared
//!   variance shrinking to 0 becomes k-means.
//! * [`grid`]: `grid.png`, every algorithm on every dataset.
//!
//! The kit ([`kit`]), one module per kind of thing a picture draws:
//!
//! * [`kit::page`]: atomic PNG/bitmap output, the header (title, subtitle,
//!   PCA note) and the split into panels and a legend foot.
//! * [`mod@kit::text`]: the embedded font, text sizes and styles, measuring,
//!   wrapping, rotated axis titles.
//! * [`kit::axes`]: [`kit::Axes`] and [`kit::chart`] (ticks, axis titles),
//!   picture ranges, data-to-pixel positions, the plot frame.
//! * [`kit::legend`]: legend marks, the legend row, cluster entries.
//! * [`kit::scatter`]: which points are drawn, their radius, centroids.
//! * [`kit::shapes`]: centroid crosses, × marks, ellipse outlines.
//! * [`kit::covariance`]: a covariance type's marker and curve.
//! * [`kit::components`]: EM's components as ellipses (2-D) or densities (1-D).
//! * [`kit::regions`]: k-means' nearest-centroid regions and Voronoi edges.
//! * [`kit::raster`]: [`kit::Raster`], a plotting area painted cell by cell.

pub mod kit;

pub mod bic;
pub mod condensed_tree;
pub mod convergence;
pub mod em_from_kmeans;
pub mod em_to_kmeans;
pub mod em_vs_kmeans;
pub mod grid;
pub mod hard_vs_soft;
pub mod hdbscan;
pub mod hdbscan_soft;
pub mod init_sensitivity;
pub mod k_choice;
pub mod optics;
pub mod responsibilities;
pub mod trace_gif;

pub use kit::ensure_fonts;
