# Fixtures for crates/study/tests/select_mclust.rs: Mclust's BIC table
# (mclustBIC, G = 1..9, mclust's default start and EM settings) on the
# shipped datasets, for the models clusterlab fits.
#
# Run from the repository root:
#   Rscript crates/study/scripts/make_fixtures_mclust_select.R [MODELS]
# MODELS: comma-separated mclust names (default: the 14 when clusterlab has
# them; VII,VVI,EEE,VVV otherwise). Writes
# crates/study/tests/fixtures/mclust_select.json.
suppressPackageStartupMessages(library(mclust))

args <- commandArgs(trailingOnly = TRUE)
models <- if (length(args) >= 1) strsplit(args[1], ",")[[1]] else c("VII", "VVI", "EEE", "VVV")
out <- "crates/study/tests/fixtures/mclust_select.json"
dir.create(dirname(out), showWarnings = FALSE, recursive = TRUE)

num <- function(v) paste0("[", paste(ifelse(is.na(v), "null", sprintf("%.17g", v)), collapse = ","), "]")
str <- function(s) paste0('"', s, '"')
strs <- function(v) paste0("[", paste(str(v), collapse = ","), "]")
obj <- function(...) {
  kv <- list(...)
  paste0("{", paste(sprintf('"%s":%s', names(kv), unlist(kv)), collapse = ","), "}")
}

cases <- c()
for (name in c("iris", "faithful", "wine")) {
  d <- read.csv(file.path("datasets", paste0(name, ".csv")))
  x <- as.matrix(d[, tolower(names(d)) != "label", drop = FALSE])
  bic <- mclustBIC(x, G = 1:9, modelNames = models)
  best <- summary(bic, x)
  # mclust's BIC has the opposite sign (higher is better); kept as mclust gives it.
  cases <- c(cases, obj(
    dataset = str(name),
    models = strs(colnames(bic)),
    # bic[k, model], k = 1..9, row by row; null where mclust gives NA.
    bic = paste0("[", paste(apply(unclass(bic)[, , drop = FALSE], 1, num), collapse = ","), "]"),
    best_model = str(best$modelName),
    best_k = best$G,
    best_bic = sprintf("%.17g", best$bic)
  ))
}
writeLines(obj(
  mclust_version = str(as.character(packageVersion("mclust"))),
  cases = paste0("[", paste(cases, collapse = ",\n"), "]")
), out)
cat("wrote", out, "\n")
