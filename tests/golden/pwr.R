# Golden values for painregen.design (oracle only; the tests read the JSON).
#
# Regenerate from the project root:   Rscript tests/golden/pwr.R
# Writes tests/golden/pwr.json with the R, pwr and mvtnorm versions.
#
# 1. pwr.t.test / pwr.t2n.test: n from (d, power), power from (d, n), d from (n, power), for two-sample,
#    one-sample and paired tests and every alternative. pwr solves with uniroot(tol = eps^0.25), so its
#    n and d carry an error up to ~1e-4; each solved case also stores a tightly solved value
#    (uniroot on pwr's own power function, tol = 1e-13) for tests at 1e-6.
# 2. Dunnett's many-to-one comparisons: critical values of the multivariate t (mvtnorm::pmvt, Genz-Bretz
#    quasi-Monte-Carlo with abseps = 1e-7, about 1e-6 on the critical value; root by uniroot, tol = 1e-9),
#    and the probabilities that all / at least one comparison rejects under a shift (non-central
#    multivariate t of Kshirsagar's type, pmvt's default).

suppressMessages({
  library(pwr)
  library(mvtnorm)
  library(jsonlite)
})
set.seed(20261126)
out_path <- file.path("tests", "golden", "pwr.json")
tight <- function(f, lo, hi) uniroot(f, c(lo, hi), tol = 1e-13, maxiter = 1000)$root

# ------------------------------------------------------------------ pwr.t.test
ttest <- list()
add_t <- function(solve, n, d, power, sig, type, alt) {
  args <- list(n = n, d = d, power = power, sig.level = sig, type = type, alternative = alt)
  r <- do.call(pwr.t.test, args)
  pw <- function(nn, dd) pwr.t.test(n = nn, d = dd, sig.level = sig, type = type, alternative = alt)$power
  exact <- switch(solve,
    power = r$power,
    n = tight(function(x) pw(x, d) - power, if (pw(2, d) >= power) 1 + 1e-6 else 2, 1e7),
    d = if (alt == "less") tight(function(x) pw(n, x) - power, -10, -1e-10)
        else tight(function(x) pw(n, x) - power, 1e-10, 10))
  ttest[[length(ttest) + 1]] <<- list(solve = solve, n = r$n, d = r$d, power = r$power, sig_level = sig,
                                      type = type, alternative = alt, exact = exact)
}
types <- c("two.sample", "one.sample", "paired")
for (type in types) for (alt in c("two.sided", "greater")) for (sig in c(0.05, 0.01)) {
  for (d in c(0.3, 0.8, 1.5, 2.5)) for (power in c(0.8, 0.9)) add_t("n", NULL, d, power, sig, type, alt)
  for (d in c(0.5, 1.2, 3)) for (n in c(3, 6, 10.5, 40)) add_t("power", n, d, NULL, sig, type, alt)
  for (n in c(4, 8, 20)) add_t("d", n, NULL, 0.8, sig, type, alt)
}
for (type in types) {
  add_t("n", NULL, -1, 0.8, 0.05, type, "less")
  add_t("power", 10, -0.7, NULL, 0.05, type, "less")
  add_t("power", 10, 0.7, NULL, 0.05, type, "less")
  add_t("d", 12, NULL, 0.9, 0.05, type, "less")
}

# ------------------------------------------------------------------ pwr.t2n.test
t2n <- list()
add_2n <- function(solve, n1, n2, d, power, sig, alt) {
  r <- pwr.t2n.test(n1 = n1, n2 = n2, d = d, power = power, sig.level = sig, alternative = alt)
  pw <- function(a, b, dd) pwr.t2n.test(n1 = a, n2 = b, d = dd, sig.level = sig, alternative = alt)$power
  exact <- switch(solve,
    power = r$power,
    n2 = tight(function(x) pw(n1, x, d) - power, 2, 1e7),
    d = tight(function(x) pw(n1, n2, x) - power, 1e-10, 10))
  t2n[[length(t2n) + 1]] <<- list(solve = solve, n1 = r$n1, n2 = r$n2, d = r$d, power = r$power,
                                  sig_level = sig, alternative = alt, exact = exact)
}
for (alt in c("two.sided", "greater")) {
  for (nn in list(c(5, 10), c(8, 8), c(12, 30), c(3, 4))) for (d in c(0.6, 1.4))
    add_2n("power", nn[1], nn[2], d, NULL, 0.05, alt)
  for (n1 in c(10, 25)) for (d in c(0.9, 1.6)) add_2n("n2", n1, NULL, d, 0.8, 0.05, alt)
  add_2n("d", 6, 14, NULL, 0.8, 0.05, alt)
}

# ------------------------------------------------------------------ Dunnett (mvtnorm)
algo <- GenzBretz(maxpts = 2e6, abseps = 1e-7, releps = 0)
dunnett <- list()
add_dunnett <- function(ns, n0, alpha, alt, ncp_d) {
  k <- length(ns)
  lambda <- sqrt(ns / (ns + n0))
  corr <- outer(lambda, lambda)
  diag(corr) <- 1
  df <- sum(ns) + n0 - (k + 1)
  acc <- function(c) {
    if (alt == "greater") pmvt(lower = rep(-Inf, k), upper = rep(c, k), df = df, corr = corr, algorithm = algo)
    else pmvt(lower = rep(-c, k), upper = rep(c, k), df = df, corr = corr, algorithm = algo)
  }
  a <- if (alt == "greater") alpha else alpha / 2
  bracket <- c(qt(1 - a, df) - 0.01, qt(1 - a / k, df) + 0.01)  # between the unadjusted and Bonferroni values
  crit <- uniroot(function(c) as.numeric(acc(c)) - (1 - alpha), bracket, tol = 1e-9)$root
  ncp <- ncp_d / sqrt(1 / ns + 1 / n0)
  if (alt == "greater") {
    all_p <- pmvt(lower = rep(crit, k), upper = rep(Inf, k), delta = ncp, df = df, corr = corr, algorithm = algo)
    none_p <- pmvt(lower = rep(-Inf, k), upper = rep(crit, k), delta = ncp, df = df, corr = corr, algorithm = algo)
  } else {
    all_p <- NA
    none_p <- pmvt(lower = rep(-crit, k), upper = rep(crit, k), delta = ncp, df = df, corr = corr, algorithm = algo)
  }
  dunnett[[length(dunnett) + 1]] <<- list(
    n = ns, n0 = n0, alpha = alpha, alternative = alt, d = ncp_d, df = df, crit = crit,
    power_all = as.numeric(all_p), power_any = 1 - as.numeric(none_p))
}
for (alt in c("greater", "two.sided")) {
  add_dunnett(c(8, 8), 11, 0.05, alt, c(1.2, 1.2))
  add_dunnett(c(6, 6, 6), 10, 0.05, alt, c(0.8, 1.5, 2.0))
  add_dunnett(c(5, 5, 5, 5), 5, 0.05, alt, c(1.5, 1.5, 1.5, 1.5))
  add_dunnett(c(10, 10, 10, 10, 10, 10), 25, 0.01, alt, rep(1, 6))
  add_dunnett(c(4, 7, 9), 6, 0.05, alt, c(2, 2, 2))
  add_dunnett(c(12), 12, 0.05, alt, c(1))
}

versions <- list(R = R.version.string, pwr = as.character(packageVersion("pwr")),
                 mvtnorm = as.character(packageVersion("mvtnorm")))
out <- list(versions = versions, ttest = ttest, t2n = t2n, dunnett = dunnett)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null"), out_path)
cat("wrote", out_path, ":", length(ttest), "pwr.t.test,", length(t2n), "pwr.t2n.test,",
    length(dunnett), "Dunnett cases\n")
