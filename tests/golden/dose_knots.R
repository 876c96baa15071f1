# Oracle for painregen.dose.splines.default_knots (issue 12 item 9): when the Orsini knot percentiles (5/35/65/95th,
# quantile type 7) of the contrasts' doses tie, painregen falls back to fewer knots instead of refusing the fit.
# (1) With at most nk + 2 = 6 distinct doses, the knots are the distinct doses other than the smallest and largest:
#     what Hmisc::rcspline.eval(x, nk = 4) itself returns for so few distinct values (recorded as `hmisc_knots`);
# (2) otherwise the distinct percentile knots if at least 3; (3) otherwise the 10/50/90th percentiles -- written
#     here by hand from that rule (`hand_knots`; Hmisc's own default differs there: for fewer than 100 values its
#     outer knots are the 5th smallest and largest x, not the Orsini percentiles).
# Each data set is then fitted by metafor::rma.mv(random = ~ 1 | study/id) on the Hmisc::rcspline.eval basis with
# those knots, relative to dose 0, shared-control covariance within study (as tests/golden/dose_meta_dr.R).
# metafor is run with nlminb, Nelder-Mead and BFGS at tight tolerances; the highest likelihood is kept.
# Run: Rscript tests/golden/dose_knots.R   (writes tests/golden/dose_knots.json)
suppressPackageStartupMessages({library(metafor); library(Hmisc); library(jsonlite)})
set.seed(20261207)
here <- function() { a <- commandArgs(FALSE); f <- sub("--file=", "", a[grep("--file=", a)]); if (length(f)) dirname(f) else "." }
ctls <- list(list(rel.tol = 1e-10, iter.max = 10000),
             list(optimizer = "optim", optmethod = "Nelder-Mead", reltol = 1e-15, maxit = 50000),
             list(optimizer = "optim", optmethod = "BFGS", reltol = 1e-15, maxit = 50000))
best_fit <- function(dat, V, X) {  # the highest restricted likelihood among optimisers that converge
  fits <- Filter(Negate(is.null), lapply(ctls, function(ct) tryCatch(
    rma.mv(yi, V, mods = ~ X - 1, random = ~ 1 | study/id, data = dat, method = "REML", control = ct),
    error = function(e) NULL)))
  fits[[which.max(vapply(fits, function(f) as.numeric(logLik(f)), 0))]]
}

make <- function(id, dose_sets, rule) {
  study <- rep(seq_along(dose_sets), lengths(dose_sets)); dose <- unlist(dose_sets)
  e <- 1.5 * dose / (dose + median(dose))
  vi <- runif(length(dose), 0.05, 0.15); yi <- e + rnorm(length(dose), 0, sqrt(vi)) + rnorm(max(study), 0, 0.2)[study]
  list(id = id, rule = rule, dose = dose, yi = round(yi, 4), vi = round(vi, 4), study = study)
}
cases <- list(
  # 5 distinct doses, ties at the top (the issue's case): rule (1), 3 knots
  make("five_doses_top_ties", list(c(1, 2, 5, 20), c(2, 5, 10, 20), c(1, 10, 20, 20), c(5, 20, 20, 20), c(2, 10, 20)), 1),
  # 6 distinct doses, most at the top: rule (1), 4 knots
  make("six_doses_top_ties", list(c(0.5, 1, 16, 16), c(2, 4, 16, 16), c(8, 16, 16, 16), c(16, 16, 16)), 1),
  # 8 distinct doses, most contrasts at the top: rule (2), 3 distinct percentile knots
  make("eight_doses_top_heavy", list(c(1, 2, 3, 100), c(4, 5, 100, 100), c(6, 8, 100, 100), c(100, 100, 100),
                                     c(100, 100, 100, 100), c(2, 100, 100)), 2),
  # 7 distinct doses, heavy at both ends: rule (3), 10/50/90th percentiles
  make("seven_doses_two_heaps", list(c(10, 10, 15, 50), c(10, 10, 20, 50), c(10, 10, 25, 50, 50), c(10, 30, 50, 50),
                                     c(10, 10, 35, 50, 50, 50)), 3))
hand <- function(x, rule) {
  if (rule == 1) { u <- sort(unique(x)); return(u[-c(1, length(u))]) }
  k <- unique(unname(quantile(x, c(0.05, 0.35, 0.65, 0.95), type = 7)))
  if (rule == 2) return(k)
  unname(quantile(x, c(0.1, 0.5, 0.9), type = 7))
}
out <- list(meta = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                        Hmisc = as.character(packageVersion("Hmisc")), cov_shared = 0.03),
            cases = lapply(cases, function(cs) {
  x <- cs$dose
  orsini <- unname(quantile(x, c(0.05, 0.35, 0.65, 0.95), type = 7))
  hk <- if (cs$rule == 1) suppressWarnings(rcspline.eval(x, nk = 4, knots.only = TRUE)) else NULL
  K <- hand(x, cs$rule)
  if (!is.null(hk)) stopifnot(isTRUE(all.equal(as.numeric(hk), K)))
  X <- sweep(rcspline.eval(x, knots = K, inclx = TRUE), 2, as.numeric(rcspline.eval(0, knots = K, inclx = TRUE)))
  V <- matrix(0, length(x), length(x))
  for (s in unique(cs$study)) { r <- which(cs$study == s); V[r, r] <- 0.03 }
  diag(V) <- cs$vi
  dat <- data.frame(yi = cs$yi, study = factor(cs$study), id = seq_along(x))
  fit <- best_fit(dat, V, X)
  c(cs, list(orsini = orsini, hmisc_knots = if (is.null(hk)) NULL else as.numeric(hk), hand_knots = K,
             b = as.numeric(coef(fit)), vb = unname(vcov(fit)), sigma2 = fit$sigma2, logLik = as.numeric(logLik(fit))))
}))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", pretty = FALSE), file.path(here(), "dose_knots.json"))
cat("wrote", file.path(here(), "dose_knots.json"), "\n")
