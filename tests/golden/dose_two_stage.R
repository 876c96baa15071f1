# Oracle for painregen.meta.mvmeta and painregen.dose.two_stage: two-stage dose-response meta-analysis
# (Orsini, Bellocco & Greenland 2006; stage 1 = per-study GLS of the contrasts on a Hmisc::rcspline.eval basis
# relative to dose 0, by plain matrix algebra; stage 2 = multivariate random-effects meta-analysis fitted with
# metafor::rma.mv on the stacked coefficients: mods = ~ factor(coef) - 1, random = ~ factor(coef) | study,
# struct = "UN", V = bldiag(S_i)). Also pure multivariate cases on metadat's dat.berkey1998 (p = 2) and
# dat.ishak2007 (p = 3, complete cases of the 3/6/12-month outcomes).
# Run: Rscript tests/golden/dose_two_stage.R  (writes tests/golden/dose_two_stage.json)
suppressPackageStartupMessages({library(metafor); library(metadat); library(Hmisc); library(jsonlite)})

# optimiser: every fit is run with each of the optimisers below and the one reaching the highest (restricted)
# log-likelihood is kept (recorded as "optimizer"; all values in "optimizers_logLik"). nlminb with
# rel.tol = 1e-12 stops with 'convergence = 1' (an error in metafor) on these fits, and optim's BFGS stops
# early on the flat likelihood (dose_meta_dr.R met the same); the derivative-free bobyqa/newuoa with
# 1e-14 tolerances get closest. metafor optimises log tau2 and a transformed rho, so a Psi on the boundary of
# the positive semi-definite cone (|rho| = 1, as in the dose cases here) is reached only in the limit.
controls <- list(
  "nlminb rel.tol 1e-12" = list(optimizer = "nlminb", rel.tol = 1e-12, iter.max = 10000, eval.max = 10000),
  "bobyqa rhoend 1e-14" = list(optimizer = "bobyqa", rhoend = 1e-14, maxfun = 1e5),
  "newuoa rhoend 1e-14" = list(optimizer = "newuoa", rhoend = 1e-14, maxfun = 1e5),
  "optim BFGS reltol 1e-15" = list(optimizer = "optim", optmethod = "BFGS", reltol = 1e-15, maxit = 100000),
  "optim Nelder-Mead reltol 1e-15" = list(optimizer = "optim", optmethod = "Nelder-Mead", reltol = 1e-15,
                                          maxit = 100000))

stage2 <- function(B, S, method) {
  k <- nrow(B); p <- ncol(B)
  yi <- as.numeric(t(B))
  coef <- factor(rep(seq_len(p), k)); study <- rep(seq_len(k), each = p)
  V <- bdiag_list(S)
  fit <- NULL; tried <- list()
  for (i in seq_along(controls)) {
    f <- tryCatch(rma.mv(yi, V, mods = ~ coef - 1, random = ~ coef | study, struct = "UN", method = method,
                         control = controls[[i]]), error = function(e) NULL)
    tried[[names(controls)[i]]] <- if (is.null(f)) "failed" else as.numeric(logLik(f))
    if (!is.null(f) && (is.null(fit) || logLik(f) > logLik(fit[[1]]))) fit <- list(f, names(controls)[i])
  }
  f <- fit[[1]]
  tau <- sqrt(f$tau2)
  R <- diag(p); R[lower.tri(R)] <- f$rho; R[upper.tri(R)] <- t(R)[upper.tri(R)]
  list(method = method, optimizer = fit[[2]], optimizers_logLik = tried, b = as.numeric(coef(f)),
       vb = unname(vcov(f)), se = f$se,
       Psi = unname(diag(tau, p) %*% R %*% diag(tau, p)), tau2 = f$tau2, rho = f$rho,
       logLik = as.numeric(logLik(f)), Q = f$QE, Q_df = f$k - f$p, I2 = 100 * max(0, (f$QE - (f$k - f$p)) / f$QE))
}
bdiag_list <- function(S) as.matrix(bldiag(S))

# Stage 1: b_i = (X_i' C_i^-1 X_i)^-1 X_i' C_i^-1 y_i, S_i = (X_i' C_i^-1 X_i)^-1, C_i = vi on the diagonal and
# cov_shared off it (all contrasts of a study share its vehicle group); studies with rank(X_i) < p are excluded
basis <- function(x, knots, x0) sweep(rcspline.eval(x, knots = knots, inclx = TRUE), 2,
                                      as.numeric(rcspline.eval(x0, knots = knots, inclx = TRUE)))
two_stage <- function(dose, yi, vi, study, knots, scale = "linear", methods = c("REML")) {
  off <- 0.01 * max(dose)
  x <- if (scale == "log10") log10(dose + off) else dose
  x0 <- if (scale == "log10") log10(off) else 0
  if (is.null(knots)) knots <- unname(quantile(x, c(0.05, 0.35, 0.65, 0.95), type = 7))
  X <- basis(x, knots, x0)
  p <- ncol(X)
  B <- NULL; S <- list(); used <- c(); excluded <- c()
  for (s in unique(study)) {
    r <- which(study == s)
    Xi <- X[r, , drop = FALSE]
    if (qr(Xi)$rank < p) { excluded <- c(excluded, s); next }
    Ci <- matrix(cov_shared, length(r), length(r)); diag(Ci) <- vi[r]
    Ai <- t(Xi) %*% solve(Ci, Xi)
    Si <- solve(Ai)
    B <- rbind(B, as.numeric(Si %*% t(Xi) %*% solve(Ci, yi[r])))
    S[[length(S) + 1]] <- unname(Si); used <- c(used, s)
  }
  grid <- seq(0, max(dose), length.out = 101)
  gx <- if (scale == "log10") log10(grid + off) else grid
  G <- basis(gx, knots, x0)
  out <- list(scale = scale, offset = if (scale == "log10") off else 0, knots = knots, p = p,
              studies = used, excluded = excluded, b_i = unname(B), S_i = S)
  for (m in methods) {
    st <- stage2(B, S, m)
    st$wald_nonlinear <- as.numeric(t(st$b[-1]) %*% solve(st$vb[-1, -1]) %*% st$b[-1])
    st$grid_fit <- as.numeric(G %*% st$b); st$grid_se <- sqrt(rowSums((G %*% st$vb) * G))
    out[[m]] <- st
  }
  out
}

# (a) the 7-study dataset of dose_meta_dr.R
dose <- c(1.05, 2.318, 4.441, 7.121, 0.92, 2.299, 3.208, 9.028, 1.119, 1.974, 3.685, 7.291, 0.902, 1.956, 4.007, 8.171, 1.198, 2.234, 4.195, 9.565, 0.886, 1.728, 4.18, 6.541, 0.814, 2.012, 3.946, 9.335)
yi <- c(0.8572, 1.0175, 1.5429, 1.9568, 0.3683, 1.0713, 1.0338, 1.6163, 0.0272, 0.4854, 0.9033, 1.5049, 0.9618, 0.5884, 1.0923, 1.7973, 0.0184, 0.7832, 1.1921, 1.8982, 1.1707, 1.1787, 1.592, 1.8065, 1.2315, 1.0705, 1.4321, 1.9488)
vi <- c(0.1444, 0.1271, 0.1245, 0.0871, 0.0518, 0.0789, 0.1538, 0.0801, 0.1054, 0.0506, 0.1745, 0.0732, 0.0901, 0.182, 0.1265, 0.1771, 0.146, 0.1613, 0.0637, 0.1312, 0.1262, 0.1807, 0.1042, 0.1397, 0.0589, 0.1081, 0.0985, 0.0725)
study <- c(1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7)
cov_shared <- 0.04
k3 <- unname(quantile(dose, c(0.1, 0.5, 0.9), type = 7))   # 3 knots -> p = 2
out <- list(
  r_version = R.version.string, metafor = as.character(packageVersion("metafor")),
  metadat = as.character(packageVersion("metadat")), Hmisc = as.character(packageVersion("Hmisc")),
  dose = dose, yi = yi, vi = vi, study = study, cov_shared = cov_shared, knots3 = k3,
  linear_3knots = two_stage(dose, yi, vi, study, k3, methods = c("REML", "ML")),
  linear_4knots = two_stage(dose, yi, vi, study, NULL, methods = c("REML", "ML")),
  log10_4knots = two_stage(dose, yi, vi, study, NULL, scale = "log10", methods = c("REML"))
)
# (b) an 8th study with two treated doses: its knots count, its contrasts do not (rank 2 < p = 3)
dose8 <- c(dose, 1.5, 6.0); yi8 <- c(yi, 0.61, 1.35); vi8 <- c(vi, 0.09, 0.11); study8 <- c(study, 8, 8)
out$excluded_case <- c(list(dose = dose8, yi = yi8, vi = vi8, study = study8),
                       two_stage(dose8, yi8, vi8, study8, NULL, methods = c("REML")))

# (c) pure multivariate cases
b98 <- dat.berkey1998
Y <- cbind(b98$yi[b98$outcome == "PD"], b98$yi[b98$outcome == "AL"])
Sb <- lapply(seq_len(nrow(Y)), function(i) {
  r <- b98[b98$trial == i, ]
  matrix(c(r$v1i[1], r$v2i[1], r$v1i[2], r$v2i[2]), 2, 2)
})
out$berkey1998 <- list(y = unname(Y), S = Sb, REML = stage2(Y, Sb, "REML"), ML = stage2(Y, Sb, "ML"))
# ishak2007: studies with the 3-, 6- and 12-month outcomes; within-study correlation 0.97^|lag| (an AR(1)
# assumption, the value used in metafor's analysis example of these data)
ish <- dat.ishak2007[complete.cases(dat.ishak2007[, c("y1i", "y2i", "y3i")]), ]
Yi <- as.matrix(unname(ish[, c("y1i", "y2i", "y3i")]))
Si <- lapply(seq_len(nrow(Yi)), function(i) {
  sd <- sqrt(as.numeric(ish[i, c("v1i", "v2i", "v3i")]))
  outer(sd, sd) * 0.97^abs(outer(1:3, 1:3, "-"))
})
out$ishak2007 <- list(study = ish$study, y = unname(Yi), S = Si, REML = stage2(Yi, Si, "REML"),
                      ML = stage2(Yi, Si, "ML"))
write_json(out, "tests/golden/dose_two_stage.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
