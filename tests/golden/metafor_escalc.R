# Golden values for painregen.effects.escalc.
#
# Regenerate (from the project root):  Rscript tests/golden/metafor_escalc.R
# Writes tests/golden/metafor_escalc.json, read by tests/test_effects_escalc.py (CI needs no R).
#
# Measures metafor has are computed with metafor::escalc on real data from metadat
# (dat.normand1999, dat.curtis1998, dat.bcg). Measures metafor lacks (CAMARADES' Hedges' g, the
# normalised mean difference, Lajeunesse's bias-corrected ROM) are written below in plain R
# arithmetic straight from the published formulas, independently of the Python code.

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})

cases <- list()
add_case <- function(name, measure, variant, source, inputs, yi, vi, options = NULL) {
  yi <- as.numeric(yi); vi <- as.numeric(vi)
  yi[!is.finite(yi)] <- NA; vi[!is.finite(vi)] <- NA
  case <- list(name = name, measure = measure, variant = variant, source = source,
               inputs = inputs, yi = yi, vi = vi)
  if (!is.null(options)) case$options <- options
  cases[[length(cases) + 1]] <<- case
}
means_inputs <- function(d) list(m1i = d$m1i, sd1i = d$sd1i, n1i = d$n1i,
                                 m2i = d$m2i, sd2i = d$sd2i, n2i = d$n2i)
from_metafor <- function(name, measure, d, ...) {
  es <- escalc(measure, m1i = d$m1i, sd1i = d$sd1i, n1i = d$n1i,
               m2i = d$m2i, sd2i = d$sd2i, n2i = d$n2i, ...)
  add_case(name, measure, NULL, sprintf("metafor::escalc(\"%s\")", measure),
           means_inputs(d), es$yi, es$vi)
}

# ---- continuous outcomes (metafor) ---------------------------------------------------------
norm <- dat.normand1999
curt <- dat.curtis1998
for (m in c("MD", "SMD", "SMDH", "ROM")) from_metafor(paste0("normand1999_", m), m, norm)
for (m in c("MD", "SMD", "SMDH", "ROM")) from_metafor(paste0("curtis1998_", m), m, curt)

# SDs given as standard errors (SD = SE * sqrt(n)); the oracle gets the SDs back.
es <- escalc("SMD", m1i = norm$m1i, sd1i = norm$sd1i, n1i = norm$n1i,
             m2i = norm$m2i, sd2i = norm$sd2i, n2i = norm$n2i)
add_case("normand1999_SMD_from_SE", "SMD", NULL, "metafor::escalc(\"SMD\") on SD = SE*sqrt(n)",
         list(m1i = norm$m1i, se1i = norm$sd1i / sqrt(norm$n1i), n1i = norm$n1i,
              m2i = norm$m2i, se2i = norm$sd2i / sqrt(norm$n2i), n2i = norm$n2i), es$yi, es$vi)

# Rows whose effect is undefined (metafor returns NA): 1 animal per group, 2 + 1 animals, zero SDs.
edge <- data.frame(m1i = c(3, 3, 3, 3), sd1i = c(1, 1, 0, 1.5), n1i = c(1, 2, 3, 4),
                   m2i = c(1, 1, 1, 1), sd2i = c(1, 1, 0, 2), n2i = c(1, 1, 3, 2))
from_metafor("edge_SMD", "SMD", edge)
from_metafor("edge_MD", "MD", edge)

# ---- continuous outcomes (published formulas, plain R) -------------------------------------
# Hedges' g as CAMARADES computes it: Vesterinen et al. (2014) J Neurosci Methods 221:92-102.
camarades <- function(d) {
  N <- d$n1i + d$n2i
  sp <- sqrt(((d$n1i - 1) * d$sd1i^2 + (d$n2i - 1) * d$sd2i^2) / (N - 2))
  g <- (1 - 3 / (4 * N - 9)) * (d$m1i - d$m2i) / sp
  list(yi = g, vi = N / (d$n1i * d$n2i) + g^2 / (2 * (N - 3.94)))
}
for (nm in c("normand1999", "curtis1998")) {
  d <- if (nm == "normand1999") norm else curt
  r <- camarades(d)
  add_case(paste0(nm, "_SMD_camarades"), "SMD", "camarades",
           "R arithmetic: Vesterinen et al. 2014", means_inputs(d), r$yi, r$vi)
}

# Bias-corrected log ratio of means: Lajeunesse (2015) Ecology 96:2056-2063, eqs. 8-9.
for (nm in c("normand1999", "curtis1998")) {
  d <- if (nm == "normand1999") norm else curt
  c1 <- d$sd1i^2 / (d$n1i * d$m1i^2); c2 <- d$sd2i^2 / (d$n2i * d$m2i^2)
  add_case(paste0(nm, "_ROM_bias_corrected"), "ROM", "bias_corrected",
           "R arithmetic: Lajeunesse 2015 eqs. 8-9", means_inputs(d),
           log(d$m1i / d$m2i) + (c1 - c2) / 2, c1 + c2 + (c1^2 + c2^2) / 2)
}

# Normalised mean difference: Vesterinen et al. (2014). Illustrative preclinical rows
# (von Frey thresholds in g where higher is better, then a pain score where higher is worse;
# one treated group beyond sham, one worse than control, one with no deficit -> undefined).
nmd_rows <- data.frame(
  m1i = c(8.2, 11.5, 3.1, 16.0, 2.4, 7.0, 5.0), sd1i = c(2.1, 3.0, 1.2, 2.5, 1.1, 1.6, 1.0),
  n1i = c(8, 10, 6, 9, 12, 8, 6),
  m2i = c(4.1, 3.6, 6.3, 4.2, 3.9, 5.5, 5.0), sd2i = c(1.5, 1.2, 1.9, 1.4, 1.0, 1.8, 1.2),
  n2i = c(8, 10, 6, 9, 12, 7, 6),
  msham = c(14.8, 15.2, 0.9, 14.0, 13.5, 1.2, 5.0), sdsham = c(2.4, 2.9, 0.4, 2.2, 2.0, 0.5, 1.1),
  nsham = c(6, 8, 6, 7, 10, 6, 6))
d <- nmd_rows
D <- d$msham - d$m2i
y <- 100 * (d$m1i - d$m2i) / D
inputs <- c(means_inputs(d), list(msham = d$msham, sdsham = d$sdsham, nsham = d$nsham))
add_case("illustrative_NMD", "NMD", NULL, "R arithmetic: Vesterinen et al. 2014", inputs, y,
         (100 * d$sd1i / abs(D))^2 / d$n1i + (100 * d$sd2i / abs(D))^2 / d$n2i)
v1 <- d$sd1i^2 / d$n1i; v2 <- d$sd2i^2 / d$n2i; vs <- d$sdsham^2 / d$nsham
add_case("illustrative_NMD_delta", "NMD", "delta", "R arithmetic: delta method on the NMD ratio",
         inputs, y, (100 / D)^2 * (v1 + ((d$m1i - d$msham) / D)^2 * v2 + ((d$m1i - d$m2i) / D)^2 * vs))

# ---- 2x2 tables (metafor) --------------------------------------------------------------------
bcg <- dat.bcg
cells <- function(a, b, c, d) list(ai = a, bi = b, ci = c, di = d)
for (m in c("OR", "RR", "RD")) {
  es <- escalc(m, ai = bcg$tpos, bi = bcg$tneg, ci = bcg$cpos, di = bcg$cneg)
  add_case(paste0("bcg_", m), m, NULL, sprintf("metafor::escalc(\"%s\")", m),
           cells(bcg$tpos, bcg$tneg, bcg$cpos, bcg$cneg), es$yi, es$vi)
}
# Tables with zero cells: none, one event-free arm, both arms event-free, all events, a zero
# non-event cell, and a table with every cell zero in one arm's non-events.
z <- data.frame(ai = c(4, 0, 0, 10, 6, 3), bi = c(6, 10, 12, 0, 0, 9),
                ci = c(2, 3, 0, 10, 4, 0), di = c(8, 7, 11, 0, 5, 12))
settings <- list(default = list(), all = list(to = "all"), if0all = list(to = "if0all"),
                 none = list(to = "none"), drop00 = list(drop00 = TRUE), add1 = list(add = 1))
for (m in c("OR", "RR", "RD")) {
  for (s in names(settings)) {
    opt <- settings[[s]]
    es <- do.call(escalc, c(list(measure = m, ai = z$ai, bi = z$bi, ci = z$ci, di = z$di), opt))
    add_case(paste0("zerocell_", m, "_", s), m, NULL,
             sprintf("metafor::escalc(\"%s\", %s)", m, s),
             cells(z$ai, z$bi, z$ci, z$di), es$yi, es$vi, options = if (length(opt)) opt else NULL)
  }
}

out <- list(
  generated_by = "tests/golden/metafor_escalc.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  metadat_version = as.character(packageVersion("metadat")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  cases = cases
)
args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
dest <- file.path(dirname(normalizePath(script)), "metafor_escalc.json")
write_json(out, dest, digits = NA, auto_unbox = TRUE, na = "null", null = "null", pretty = TRUE)
cat("wrote", dest, "with", length(cases), "cases\n")
