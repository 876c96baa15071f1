# Global-fit oracle for painregen.dose.fit_mod (issue 12 item 7): seeded random dose-response data sets nobody
# tuned to -- designs with gaps, flat responses, steep sigmoid Emax and logistic curves, umbrellas -- each fitted
# by DoseFinding's fitMod (default bounds, used as a black box) and by an independent dense-grid reference written
# here from the model formulas (no DoseFinding code): the criterion with the linear parameters profiled out
# (closed-form weighted least squares) on a dense log grid over DoseFinding's default bounds (4,001 points for one
# nonlinear parameter, 301 x 301 for two), then bounded quasi-Newton polishing (optim L-BFGS-B, factr = 1, and
# nlminb, rel.tol 1e-15) from the six lowest grid minima and from DoseFinding's optimum; the best end point is
# the reference.  `unique` is TRUE when every polished end point within 1e-9 (relative) of the best criterion has
# ED90 within 1e-5 (relative) of the best one's and at least two starts reached it (an operational definition:
# on a flat ridge different starts stop at different places).
# Run: Rscript tests/golden/dose_fits.R   (writes tests/golden/dose_fits.json; ~2 minutes)
suppressPackageStartupMessages({library(DoseFinding); library(jsonlite)})
set.seed(20261206)
here <- function() { a <- commandArgs(FALSE); f <- sub("--file=", "", a[grep("--file=", a)]); if (length(f)) dirname(f) else "." }
N_SETS <- 260
MODELS <- c("emax", "sigEmax", "logistic", "exponential", "betaMod")

f0e <- function(model, d, t1, t2, scal) {  # standardised shapes, elementwise (DoseFinding manual, drmodels)
  switch(model,
    emax = d / (t1 + d),
    sigEmax = ifelse(d > 0, 1 / (1 + exp(-t2 * (log(pmax(d, 1e-300)) - log(t1)))), 0),
    exponential = expm1(d / t1),
    logistic = 1 / (1 + exp((t1 - d) / t2)),
    betaMod = { x <- d / scal; B <- (t1 + t2)^(t1 + t2) / (t1^t1 * t2^t2); B * x^t1 * (1 - x)^t2 })
}
f0 <- function(model, d, th, scal) f0e(model, d, th[1], if (length(th) > 1) th[2] else NA, scal)
# criterion with (e0, eMax) profiled out: weights w (n for raw data, 1/se^2 for summary data), plus SS within
crit_fun <- function(model, d, y, w, scal, ssw) function(lth) {
  f <- f0(model, d, exp(lth), scal)
  X <- cbind(1, f)
  fit <- lm.wfit(X, y, w)
  r <- y - X %*% ifelse(is.na(fit$coefficients), 0, fit$coefficients)
  sum(w * r^2) + ssw
}
grid_crit <- function(model, d, y, w, scal, ssw, G) {  # vectorised over grid rows G (log parameters)
  D <- matrix(d, nrow(G), length(d), byrow = TRUE)
  T2 <- if (ncol(G) > 1) matrix(exp(G[, 2]), nrow(G), length(d)) else NA
  F <- f0e(model, D, matrix(exp(G[, 1]), nrow(G), length(d)), T2, scal)
  S0 <- sum(w); Sy <- sum(w * y); Syy <- sum(w * y^2)
  S1 <- F %*% w; S2 <- (F^2) %*% w; Sfy <- F %*% (w * y)
  varf <- S2 - S1^2 / S0; cov <- Sfy - S1 * Sy / S0
  as.numeric(Syy - Sy^2 / S0 - ifelse(varf > 1e-300, cov^2 / varf, 0)) + ssw
}
lin_coef <- function(model, d, y, w, scal, lth) {
  f <- f0(model, d, exp(lth), scal); fit <- lm.wfit(cbind(1, f), y, w); cf <- fit$coefficients
  cf[is.na(cf)] <- 0; c(unname(cf), exp(lth))
}
ed_p <- function(model, cf, dmax, scal, p) {  # ED_p within [0, dmax] on a fine grid + uniroot (for `unique`)
  g <- seq(0, dmax, length.out = 4001)
  eff <- cf[2] * (f0(model, g, cf[-(1:2)], scal) - f0(model, 0, cf[-(1:2)], scal))
  m <- max(eff); if (!(m > 0)) return(NA_real_)
  i <- which(eff >= p * m)[1]; if (i == 1) return(0)
  h <- function(x) cf[2] * (f0(model, x, cf[-(1:2)], scal) - f0(model, 0, cf[-(1:2)], scal)) - p * m
  uniroot(h, c(g[i - 1], g[i]), tol = 1e-13)$root
}

make_set <- function(i) {
  k <- sample(4:7, 1)
  ladder <- c(1, 2, 3, 5, 10, 20, 31, 50, 100, 200, 300)
  design <- sample(c("ladder", "gap", "linear"), 1, prob = c(0.4, 0.4, 0.2))
  pos <- switch(design,
    ladder = sort(sample(ladder, k - 1)),
    gap = { lowc <- sample(1:4, 1); sort(c(ladder[seq_len(lowc)][seq_len(min(lowc, k - 2))],
                                            tail(ladder, k - 1 - min(lowc, k - 2)))) },
    linear = seq_len(k - 1) * sample(c(10, 25), 1))
  pos <- unique(pos); scale <- 10^sample(c(-2, 0, 2, 5), 1)
  d <- c(0, pos) * scale; dmax <- max(d)
  shape <- sample(c("flat", "emax", "steep_sigEmax", "steep_logistic", "sigEmax", "umbrella"), 1,
                  prob = c(0.15, 0.2, 0.2, 0.15, 0.15, 0.15))
  e50 <- exp(runif(1, log(min(pos) * scale), log(dmax)))
  mu <- switch(shape,
    flat = 0 * d,
    emax = 1.5 * d / (e50 + d),
    steep_sigEmax = { h <- runif(1, 4, 14); 1.5 / (1 + exp(-h * (log(pmax(d, 1e-300)) - log(e50)))) * (d > 0) },
    sigEmax = { h <- runif(1, 1, 4); 1.5 / (1 + exp(-h * (log(pmax(d, 1e-300)) - log(e50)))) * (d > 0) },
    steep_logistic = 1.5 / (1 + exp((e50 - d) / (runif(1, 0.01, 0.08) * dmax))) - 1.5 / (1 + exp(e50 / (0.05 * dmax))),
    umbrella = { pk <- runif(1, 0.3, 0.8); x <- d / (1.2 * dmax); 1.5 * (x / pk)^2 * exp(2 * (1 - x / pk)) })
  sd <- runif(1, 0.2, 0.8)
  type <- sample(c("normal", "general"), 1)
  if (type == "normal") {
    n <- sample(3:8, 1)
    dose <- rep(d, each = n); resp <- rep(mu, each = n) + sd * rnorm(length(dose))
    list(id = sprintf("set%03d", i), design = design, shape = shape, type = type, dose = dose, resp = resp)
  } else {
    se <- sd / sqrt(sample(4:10, length(d), replace = TRUE))
    list(id = sprintf("set%03d", i), design = design, shape = shape, type = type, dose = d,
         resp = mu + se * rnorm(length(d)), se = se)
  }
}

fit_one <- function(ds, model) {
  if (ds$type == "normal") {
    d <- sort(unique(ds$dose)); n <- as.numeric(table(ds$dose)); y <- as.numeric(tapply(ds$resp, ds$dose, mean))
    w <- n; ssw <- sum((ds$resp - rep(y, n))^2)
  } else { d <- ds$dose; y <- ds$resp; w <- 1 / ds$se^2; ssw <- 0 }
  dmax <- max(d); scal <- 1.2 * dmax
  bn <- defBnds(dmax)[[model]]; bn <- if (is.matrix(bn)) bn else matrix(bn, nrow = 1)
  lo <- log(bn[, 1]); hi <- log(bn[, 2]); q <- nrow(bn)
  df <- tryCatch(suppressMessages(suppressWarnings(
    if (ds$type == "normal") fitMod(ds$dose, ds$resp, model = model)
    else fitMod(ds$dose, ds$resp, model = model, S = diag(ds$se^2), type = "general"))), error = function(e) NULL)
  df_rss <- if (is.null(df)) NULL else if (ds$type == "normal") df$RSS else df$gRSS
  axes <- lapply(seq_len(q), function(j) seq(lo[j], hi[j], length.out = if (q == 1) 4001 else 301))
  G <- as.matrix(expand.grid(axes))
  gc <- grid_crit(model, d, y, w, scal, ssw, G)
  size <- length(axes[[1]])
  # lowest local minima of the grid as starts
  if (q == 1) { nb <- c(Inf, gc, Inf); ismin <- gc <= nb[-(1:2)] & gc <= nb[1:size] }
  else {
    M <- matrix(gc, size, size); P <- matrix(Inf, size + 2, size + 2); P[2:(size + 1), 2:(size + 1)] <- M
    ismin <- matrix(TRUE, size, size)
    for (a in -1:1) for (b in -1:1) if (a != 0 || b != 0) ismin <- ismin & M <= P[(2:(size + 1)) + a, (2:(size + 1)) + b]
    ismin <- as.vector(ismin)
  }
  cand <- which(ismin); cand <- cand[order(gc[cand])][seq_len(min(6, length(cand)))]
  starts <- lapply(cand, function(j) as.numeric(G[j, ]))
  if (!is.null(df)) starts[[length(starts) + 1]] <- pmin(pmax(log(coef(df)[-(1:2)]), lo), hi)
  fn <- crit_fun(model, d, y, w, scal, ssw)
  ends <- lapply(starts, function(s) {
    a <- tryCatch(optim(s, fn, method = "L-BFGS-B", lower = lo, upper = hi, control = list(factr = 1, pgtol = 0, maxit = 5000)),
                  error = function(e) list(par = s, value = fn(s)))
    b <- tryCatch(nlminb(a$par, fn, lower = lo, upper = hi, control = list(rel.tol = 1e-15, x.tol = 1e-12, iter.max = 2000, eval.max = 4000)),
                  error = function(e) list(par = a$par, objective = a$value))
    if (b$objective < a$value) list(par = b$par, value = b$objective) else list(par = a$par, value = a$value)
  })
  vals <- vapply(ends, function(e) e$value, 0)
  best <- ends[[which.min(vals)]]
  cf <- lin_coef(model, d, y, w, scal, best$par)
  near <- which(vals <= min(vals) * (1 + 1e-9))
  ed90 <- vapply(near, function(j) ed_p(model, lin_coef(model, d, y, w, scal, ends[[j]]$par), dmax, scal, 0.9), 0)
  e0 <- ed_p(model, cf, dmax, scal, 0.9)
  unique <- length(near) >= 2 && all(is.finite(ed90)) && is.finite(e0) && all(abs(ed90 - e0) <= 1e-5 * max(abs(e0), 1e-12 * dmax))
  out <- list(model = model, grid_rss = min(gc), ref_rss = best$value, ref_coefs = cf, unique = unique,
              n_starts = length(starts), n_near = length(near), ref_ed90 = e0)
  if (!is.null(df)) { out$df_rss <- df_rss; out$df_coefs <- unname(coef(df)) }
  out
}

sets <- lapply(seq_len(N_SETS), make_set)
t0 <- Sys.time()
out <- list(meta = list(R = R.version.string, DoseFinding = as.character(packageVersion("DoseFinding")),
                        seed = 20261206, n_sets = N_SETS, models = MODELS,
                        grid = list(q1 = 4001, q2 = "301 x 301"), polish = "optim L-BFGS-B factr=1 then nlminb rel.tol=1e-15"),
            sets = lapply(sets, function(ds) {
              ds$fits <- lapply(MODELS, function(m) fit_one(ds, m))
              ds
            }))
message("fitted ", N_SETS * length(MODELS), " models in ", format(Sys.time() - t0))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = FALSE),
           file.path(here(), "dose_fits.json"))
cat("wrote", file.path(here(), "dose_fits.json"), "\n")
