#!/usr/bin/env Rscript
# Write crates/em/tests/fixtures/mclust_models.json: R mclust's EM for its 14
# covariance models (and E, V in one dimension) from fixed hard partitions,
# for crates/em/tests/mclust_agreement.rs.
#
#     Rscript crates/em/scripts/make_fixtures_mclust.R      (from the repository root)
#
# For each dataset and each model, mclust is started as our `--init-labels`
# starts: me(modelName, data, z = unmap(labels)) (an M-step on the one-hot
# responsibilities first), with tight tolerances so both sides reach the same
# fixed point: emControl(tol = c(1e-11, 1e-12)). mclust has no ridge on the
# covariances (ours runs with reg_covar = 0). A (dataset, model) that mclust
# cannot fit (NA log-likelihood: singular covariance) is left out here, so
# every case the test sees is one mclust fitted.
#
# Datasets (stored in the fixture so the Rust test reads no CSV):
#   iris      datasets/iris.csv, 4 features, k = 3, labels = the species
#   iris-cut  the same data, k = 3, labels = thirds of the rows sorted by sepal length
#   faithful  datasets/faithful.csv, 2 features, k = 2, labels = eruptions > 3
#   wine      datasets/wine.csv, 13 features, k = 3, labels = the cultivar (not EVE, VVE)
#   sheared   150 points in 2-D drawn here (set.seed(14)), three groups sharing
#             an orientation with different shapes and volumes, k = 3
#   eruptions faithful's first column alone (1-D: models E and V), k = 2
#
# Every model mclust has a conjugate prior for (all but VEE, EVE, VVE, EVV) is
# also run with its default prior, me(..., prior = priorControl()) ("prior":
# true in the case).
#
# Recorded per case: dataset, model, prior, k, labels, mclust's loglik (total), df
# (free parameters), bic (mclust's sign: 2 logL - df ln n), icl (mclust's sign:
# bic + 2 sum_i ln z_i,map(i)), pro, mean (k x d), sigma (k x d x d), and the
# iterations mclust ran.
suppressMessages(library(mclust))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("--file=", "", args[grep("--file=", args)])
here <- dirname(normalizePath(script))
root <- normalizePath(file.path(here, "..", "..", ".."))
out <- file.path(here, "..", "tests", "fixtures", "mclust_models.json")

read_data <- function(name) {
  d <- read.csv(file.path(root, "datasets", name))
  d
}

iris <- read_data("iris.csv")
faithful <- read_data("faithful.csv")
wine <- read_data("wine.csv")
iris_x <- as.matrix(iris[, 1:4])
wine_x <- as.matrix(wine[, setdiff(names(wine), "label")])

set.seed(14)
rot <- function(t) matrix(c(cos(t), sin(t), -sin(t), cos(t)), 2)
D <- rot(0.6)
groups <- list(
  list(n = 60, mu = c(0, 0), a = c(2.0, 0.3)),
  list(n = 50, mu = c(4, 3), a = c(0.6, 0.8)),
  list(n = 40, mu = c(-1, 5), a = c(1.2, 0.15))
)
sheared <- NULL
sheared_labels <- NULL
for (g in seq_along(groups)) {
  s <- groups[[g]]
  z <- matrix(rnorm(2 * s$n), ncol = 2) %*% diag(sqrt(s$a))
  sheared <- rbind(sheared, sweep(z %*% t(D), 2, s$mu, "+"))
  sheared_labels <- c(sheared_labels, rep(g - 1, s$n))
}
sheared <- round(sheared, 4)

cut_labels <- function(v, k) {
  o <- order(v)
  lab <- integer(length(v))
  parts <- split(o, cut(seq_along(o), k, labels = FALSE))
  for (j in seq_along(parts)) lab[parts[[j]]] <- j - 1
  lab
}

datasets <- list(
  list(name = "iris", x = iris_x, labels = iris$label, models = mclust.options("emModelNames")),
  list(name = "iris-cut", x = iris_x, labels = cut_labels(iris_x[, 1], 3),
       models = mclust.options("emModelNames")),
  list(name = "faithful", x = as.matrix(faithful), labels = as.integer(faithful$eruptions > 3),
       models = mclust.options("emModelNames")),
  # EVE and VVE left out on wine: their MM inner loops at d = 13 take
  # thousands of rounds to 1e-12, too slow for a debug-build test.
  list(name = "wine", x = wine_x, labels = wine$label,
       models = setdiff(mclust.options("emModelNames"), c("EVE", "VVE"))),
  list(name = "sheared", x = sheared, labels = sheared_labels, models = mclust.options("emModelNames")),
  list(name = "eruptions", x = matrix(faithful$eruptions, ncol = 1),
       labels = as.integer(faithful$eruptions > 3), models = c("E", "V"))
)

num <- function(v) {
  if (length(v) == 0) return("[]")
  s <- sprintf("%.17g", v)
  paste0("[", paste(s, collapse = ","), "]")
}
mat_rows <- function(m) paste0("[", paste(apply(m, 1, num), collapse = ","), "]")
# The k covariances of a fit's parameters as k x d x d JSON (1 x 1 each for one feature).
sigma_json <- function(p, d, k) {
  if (d == 1) {
    sq <- rep(p$variance$sigmasq, length.out = k)
    paste0("[", paste(sprintf("[[%.17g]]", sq), collapse = ","), "]")
  } else {
    paste0("[", paste(sapply(1:k, function(j) mat_rows(p$variance$sigma[, , j])), collapse = ","), "]")
  }
}

cases <- character(0)
data_json <- character(0)
control <- emControl(tol = c(1e-11, 1e-12))
for (ds in datasets) {
  x <- ds$x
  n <- nrow(x); d <- ncol(x)
  k <- length(unique(ds$labels))
  data_json <- c(data_json, sprintf("\"%s\":%s", ds$name, mat_rows(x)))
  z0 <- unmap(ds$labels + 1)
  for (with_prior in c(FALSE, TRUE)) for (m in ds$models) {
    if (with_prior && m %in% c("VEE", "EVE", "VVE", "EVV")) next
    xin <- if (d == 1) as.vector(x) else x
    fit <- if (with_prior) {
      me(modelName = m, data = xin, z = z0, prior = priorControl(), control = control)
    } else {
      me(modelName = m, data = xin, z = z0, control = control)
    }
    if (is.na(fit$loglik)) {
      cat(sprintf("%s/%s (prior %s): mclust returns NA, left out\n", ds$name, m, with_prior))
      next
    }
    df <- nMclustParams(m, d, k)
    b <- bic(m, fit$loglik, n, d, k)
    zmax <- apply(fit$z, 1, max)
    icl <- b + 2 * sum(log(zmax))
    p <- fit$parameters
    mu <- matrix(p$mean, nrow = d)
    sigma <- sigma_json(p, d, k)
    cases <- c(cases, sprintf(
      "{\"dataset\":\"%s\",\"model\":\"%s\",\"prior\":%s,\"noise\":false,\"k\":%d,\"labels\":%s,\"loglik\":%.17g,\"df\":%d,\"bic\":%.17g,\"icl\":%.17g,\"pro\":%s,\"mean\":%s,\"sigma\":%s,\"iterations\":%d}",
      ds$name, m, tolower(as.character(with_prior)), k, num(ds$labels), fit$loglik, df, b, icl, num(p$pro), mat_rows(t(mu)), sigma,
      as.integer(attr(fit, "info")[1])))
  }
}
# The noise component: mclust's me(model, data, z, Vinv = hypvol(data,
# reciprocal = TRUE)) with z's last column the noise, from a start where
# some rows are noise (label -1): iris with every tenth row as noise, the
# sheared set with 30 uniform background points added (drawn here, set.seed(15),
# over its bounding box) which start as noise, and faithful's eruptions (1-D,
# E and V) with every twelfth row as noise. Recorded as above plus "noise":
# true, "pro" with the noise's proportion last, and "log_hypervolume";
# faithful's waiting (1-D, E and V, every ninth row as noise) is a second
# one-dimensional set. Then every noise set again with the default prior for
# the models that have one: me(..., prior = priorControl(), Vinv = ...)
# ("prior": true, "noise": true), appended after the cases above so their
# order and numbers stay as they were.
set.seed(15)
lo <- apply(sheared, 2, min); hi <- apply(sheared, 2, max)
background <- round(cbind(runif(30, lo[1], hi[1]), runif(30, lo[2], hi[2])), 4)
noisy <- rbind(sheared, background)
noisy_labels <- c(sheared_labels, rep(-1, 30))
every <- function(labels, m) { l <- labels; l[seq_along(l) %% m == 0] <- -1; l }
noise_sets <- list(
  list(name = "iris-noise", x = iris_x, labels = every(iris$label, 10),
       models = mclust.options("emModelNames")),
  list(name = "sheared-noise", x = noisy, labels = noisy_labels,
       models = mclust.options("emModelNames")),
  list(name = "eruptions-noise", x = matrix(faithful$eruptions, ncol = 1),
       labels = every(as.integer(faithful$eruptions > 3), 12), models = c("E", "V")),
  list(name = "waiting-noise", x = matrix(faithful$waiting, ncol = 1),
       labels = every(as.integer(faithful$waiting > 67), 9), models = c("E", "V"))
)
# Tighter here: the noise's proportion and the clusters' tails trade off
# along a flat ridge (E on eruptions moves 6e-6 in the proportion after
# 1e-11), which ICL sees.
noise_control <- emControl(tol = c(1e-13, 1e-12))
for (with_prior in c(FALSE, TRUE)) for (ds in noise_sets) {
  x <- ds$x
  n <- nrow(x); d <- ncol(x)
  k <- length(unique(ds$labels[ds$labels >= 0]))
  if (!with_prior) data_json <- c(data_json, sprintf("\"%s\":%s", ds$name, mat_rows(x)))
  z0 <- matrix(0, n, k + 1)
  for (i in 1:n) z0[i, if (ds$labels[i] < 0) k + 1 else ds$labels[i] + 1] <- 1
  xin <- if (d == 1) as.vector(x) else x
  vinv <- hypvol(xin, reciprocal = TRUE)
  for (m in ds$models) {
    if (with_prior && m %in% c("VEE", "EVE", "VVE", "EVV")) next
    fit <- if (with_prior) {
      me(modelName = m, data = xin, z = z0, prior = priorControl(), Vinv = vinv,
         control = noise_control)
    } else {
      me(modelName = m, data = xin, z = z0, Vinv = vinv, control = noise_control)
    }
    if (is.na(fit$loglik)) {
      cat(sprintf("%s/%s with noise (prior %s): mclust returns NA, left out\n",
                  ds$name, m, with_prior))
      next
    }
    df <- nMclustParams(m, d, k, noise = TRUE)
    b <- bic(m, fit$loglik, n, d, k, noise = TRUE)
    icl <- b + 2 * sum(log(apply(fit$z, 1, max)))
    p <- fit$parameters
    mu <- matrix(p$mean, nrow = d)
    sigma <- sigma_json(p, d, k)
    cases <- c(cases, sprintf(
      "{\"dataset\":\"%s\",\"model\":\"%s\",\"prior\":%s,\"noise\":true,\"k\":%d,\"labels\":%s,\"loglik\":%.17g,\"df\":%d,\"bic\":%.17g,\"icl\":%.17g,\"pro\":%s,\"mean\":%s,\"sigma\":%s,\"log_hypervolume\":%.17g,\"iterations\":%d}",
      ds$name, m, tolower(as.character(with_prior)), k, num(ds$labels), fit$loglik, df, b, icl, num(p$pro), mat_rows(t(mu)), sigma,
      -log(vinv), as.integer(attr(fit, "info")[1])))
  }
}

# The default noise start (`--noise` without `--noise-init`): DBSCAN's noise
# points under clusterlab's data-driven defaults, computed here from their
# definitions (crates/algos/src/plan/defaults.rs): min_samples = 2d, at least
# 10 and n/2000, at most n/10; eps = the 0.9 quantile (R's default, linear)
# of every point's distance to its (min_samples - 1)-th nearest other point,
# to 4 significant digits; a point is noise when fewer than min_samples points
# (itself included) lie within eps of it and none of those is a core point.
# The clusters' start is mclust's own for noise (mclustBIC with
# initialization = list(noise = ...)): hc(data[!noise, ], "VVV", use = "SVD")
# cut at k (qclass in one dimension), then me(model, data, z, Vinv) from it.
# Recorded under "dbscan_noise_cases" as the noise cases plus eps and
# min_samples; "labels" is the whole start (-1 noise, 0..k-1 the hc classes).
dbscan_noise <- function(x) {
  n <- nrow(x); d <- ncol(x)
  ms <- min(max(2 * d, 10, n %/% 2000), max(n %/% 10, 2))
  D <- as.matrix(dist(x))
  kd <- apply(D, 1, function(r) sort(r)[ms])  # sort(r)[1] is the point itself
  eps <- signif(quantile(kd, 0.9, names = FALSE), 4)
  core <- rowSums(D <= eps) >= ms
  reached <- core | apply(D[, core, drop = FALSE] <= eps, 1, any)
  list(eps = eps, min_samples = ms, noise = !reached)
}
dbscan_sets <- list(
  list(name = "sheared-noise", x = noisy, k = 3,
       models = c("EII", "VII", "EEE", "VVI", "EEV", "VEV", "VVV")),
  list(name = "faithful", x = as.matrix(faithful), k = 2, models = c("EEE", "VVV")),
  list(name = "eruptions", x = matrix(faithful$eruptions, ncol = 1), k = 2, models = c("E", "V"))
)
dbscan_cases <- character(0)
for (ds in dbscan_sets) {
  x <- ds$x
  n <- nrow(x); d <- ncol(x); k <- ds$k
  db <- dbscan_noise(x)
  cl <- if (d == 1) mclust:::qclass(x[!db$noise, 1], k) else
    hclass(hc(data = x[!db$noise, ], modelName = "VVV", use = "SVD"), k)
  labels <- rep(-1, n)
  labels[!db$noise] <- as.integer(cl) - 1
  z0 <- matrix(0, n, k + 1)
  for (i in 1:n) z0[i, if (labels[i] < 0) k + 1 else labels[i] + 1] <- 1
  xin <- if (d == 1) as.vector(x) else x
  vinv <- hypvol(xin, reciprocal = TRUE)
  for (m in ds$models) {
    fit <- me(modelName = m, data = xin, z = z0, Vinv = vinv, control = noise_control)
    if (is.na(fit$loglik)) {
      cat(sprintf("%s/%s from DBSCAN's noise: mclust returns NA, left out\n", ds$name, m))
      next
    }
    df <- nMclustParams(m, d, k, noise = TRUE)
    b <- bic(m, fit$loglik, n, d, k, noise = TRUE)
    icl <- b + 2 * sum(log(apply(fit$z, 1, max)))
    p <- fit$parameters
    mu <- matrix(p$mean, nrow = d)
    sigma <- sigma_json(p, d, k)
    dbscan_cases <- c(dbscan_cases, sprintf(
      "{\"dataset\":\"%s\",\"model\":\"%s\",\"prior\":false,\"noise\":true,\"k\":%d,\"eps\":%.17g,\"min_samples\":%d,\"labels\":%s,\"loglik\":%.17g,\"df\":%d,\"bic\":%.17g,\"icl\":%.17g,\"pro\":%s,\"mean\":%s,\"sigma\":%s,\"log_hypervolume\":%.17g,\"iterations\":%d}",
      ds$name, m, k, db$eps, db$min_samples, num(labels), fit$loglik, df, b, icl, num(p$pro),
      mat_rows(t(mu)), sigma, -log(vinv), as.integer(attr(fit, "info")[1])))
  }
}

json <- sprintf(
  "{\"generator\":\"crates/em/scripts/make_fixtures_mclust.R\",\"mclust_version\":\"%s\",\"tol\":[1e-11,1e-12],\"data\":{%s},\"cases\":[%s],\"dbscan_noise_cases\":[%s]}\n",
  as.character(packageVersion("mclust")), paste(data_json, collapse = ","), paste(cases, collapse = ",\n"),
  paste(dbscan_cases, collapse = ",\n"))
writeLines(json, out, sep = "")
cat(sprintf("wrote %d cases and %d from DBSCAN's noise to %s\n", length(cases), length(dbscan_cases), out))
