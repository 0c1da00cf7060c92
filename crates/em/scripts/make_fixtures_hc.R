# Fixtures for crates/em/tests/hc_mclust.rs: mclust's model-based hierarchical
# clustering as Mclust() uses it by default (hcModelName "VVV", hcUse "SVD"),
# cut at k = 1..9 with hclass(); and qclass() (mclust's start for one feature).
#
# Run from the repository root:  Rscript crates/em/scripts/make_fixtures_hc.R
# Writes crates/em/tests/fixtures/mclust_hc.json (mclust version recorded).
suppressPackageStartupMessages(library(mclust))

# A minimal JSON writer (jsonlite is not assumed to be installed).
num <- function(v) paste0("[", paste(sprintf("%.17g", v), collapse = ","), "]")
int <- function(v) paste0("[", paste(as.integer(v), collapse = ","), "]")
rows <- function(m, f) paste0("[", paste(apply(m, 1, f), collapse = ","), "]")
str <- function(s) paste0('"', s, '"')
obj <- function(...) {
  kv <- list(...)
  paste0("{", paste(sprintf('"%s":%s', names(kv), unlist(kv)), collapse = ","), "}")
}

root <- "."
out <- file.path(root, "crates/em/tests/fixtures/mclust_hc.json")

features <- function(path) {
  d <- read.csv(path)
  d <- d[, tolower(names(d)) != "label", drop = FALSE]
  as.matrix(d)
}

# Two well separated 3-D groups with unequal covariances, and a small cloud
# of 2-D points: data where no two merge costs tie.
set.seed(14)
g1 <- matrix(rnorm(60 * 3), 60, 3) %*% matrix(c(1, 0.5, 0, 0, 1, 0.3, 0, 0, 0.5), 3)
g2 <- sweep(matrix(rnorm(40 * 3), 40, 3) * 0.7, 2, c(4, -3, 2), "+")
blobs3 <- round(rbind(g1, g2), 6)
small2 <- round(matrix(rnorm(25 * 2), 25, 2) %*% matrix(c(2, 0.4, 0, 1), 2), 6)

datasets <- list(
  iris = features(file.path(root, "datasets/iris.csv")),
  faithful = features(file.path(root, "datasets/faithful.csv")),
  wine = features(file.path(root, "datasets/wine.csv")),
  blobs3 = blobs3,
  small2 = small2
)

cases <- list()
for (name in names(datasets)) {
  x <- datasets[[name]]
  tree <- hc(x, modelName = "VVV", use = "SVD")
  cl <- hclass(tree, 1:9)
  cases[[length(cases) + 1]] <- obj(
    dataset = str(name),
    kind = str("hc_vvv_svd"),
    x = rows(x, num),
    partitions = rows(t(cl), int)
  )
}

# One feature: qclass (Mclust's start when d = 1), on faithful's columns.
for (col in 1:2) {
  x <- features(file.path(root, "datasets/faithful.csv"))[, col]
  cl <- sapply(1:9, function(k) mclust:::qclass(x, k))
  cases[[length(cases) + 1]] <- obj(
    dataset = str(paste0("faithful_col", col)),
    kind = str("qclass"),
    x = rows(matrix(x, ncol = 1), num),
    partitions = rows(t(cl), int)
  )
}

writeLines(
  obj(
    mclust_version = str(as.character(packageVersion("mclust"))),
    cases = paste0("[", paste(unlist(cases), collapse = ",\n"), "]")
  ),
  out
)
cat("wrote", out, "\n")
