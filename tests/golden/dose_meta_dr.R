# Oracle for painregen.dose.meta_dr: one-stage restricted-cubic-spline dose-response meta-analysis
# (Crippa et al. 2019) fitted with metafor::rma.mv on a Hmisc::rcspline.eval basis (knots at the 5/35/65/95th
# percentiles, quantile type 7), contrasts relative to dose 0, shared-control covariance 0.04 within study.
# Run: Rscript tests/golden/dose_meta_dr.R  (writes tests/golden/dose_meta_dr.json)
suppressPackageStartupMessages({library(metafor); library(Hmisc); library(jsonlite)})
dose <- c(1.05, 2.318, 4.441, 7.121, 0.92, 2.299, 3.208, 9.028, 1.119, 1.974, 3.685, 7.291, 0.902, 1.956, 4.007, 8.171, 1.198, 2.234, 4.195, 9.565, 0.886, 1.728, 4.18, 6.541, 0.814, 2.012, 3.946, 9.335)
yi <- c(0.8572, 1.0175, 1.5429, 1.9568, 0.3683, 1.0713, 1.0338, 1.6163, 0.0272, 0.4854, 0.9033, 1.5049, 0.9618, 0.5884, 1.0923, 1.7973, 0.0184, 0.7832, 1.1921, 1.8982, 1.1707, 1.1787, 1.592, 1.8065, 1.2315, 1.0705, 1.4321, 1.9488)
vi <- c(0.1444, 0.1271, 0.1245, 0.0871, 0.0518, 0.0789, 0.1538, 0.0801, 0.1054, 0.0506, 0.1745, 0.0732, 0.0901, 0.182, 0.1265, 0.1771, 0.146, 0.1613, 0.0637, 0.1312, 0.1262, 0.1807, 0.1042, 0.1397, 0.0589, 0.1081, 0.0985, 0.0725)
study <- c(1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7)
cov_shared <- 0.04
knots <- unname(quantile(dose, c(0.05, 0.35, 0.65, 0.95), type = 7))
X <- rcspline.eval(dose, knots = knots, inclx = TRUE)          # norm = 2 (default)
X0 <- rcspline.eval(0, knots = knots, inclx = TRUE)
X <- sweep(X, 2, as.numeric(X0))
V <- matrix(0, length(yi), length(yi))
for (s in unique(study)) { r <- which(study == s); V[r, r] <- cov_shared }
diag(V) <- vi
id <- seq_along(yi)
fit <- rma.mv(yi, V, mods = ~ X - 1, random = ~ 1 | study/id, method = "REML",
              control = list(rel.tol = 1e-12, iter.max = 10000))
b <- as.numeric(coef(fit)); vb <- unname(vcov(fit))
wald <- as.numeric(t(b[2:3]) %*% solve(vb[2:3, 2:3]) %*% b[2:3])
grid <- c(0, 1, 2.5, 5, 9.5)
G <- sweep(rcspline.eval(grid, knots = knots, inclx = TRUE), 2, as.numeric(X0))
out <- list(
  r_version = R.version.string, metafor = as.character(packageVersion("metafor")),
  Hmisc = as.character(packageVersion("Hmisc")),
  dose = dose, yi = yi, vi = vi, study = study, cov_shared = cov_shared, knots = knots,
  basis = unname(X), b = b, vb = vb, sigma2 = fit$sigma2, logLik = as.numeric(logLik(fit)),
  wald_nonlinear = wald, grid = grid, grid_fit = as.numeric(G %*% b),
  grid_se = sqrt(rowSums((G %*% vb) * G))
)
# nlminb with rel.tol = 1e-12 stops with 'convergence = 1' on these fits: Nelder-Mead with a tight reltol
ctl2 <- list(optimizer = "optim", optmethod = "Nelder-Mead", reltol = 1e-15, maxit = 50000)
# the same model on log10(dose + off), off = 0.01 x max dose
off <- 0.01 * max(dose)
ld <- log10(dose + off)
kl <- unname(quantile(ld, c(0.05, 0.35, 0.65, 0.95), type = 7))
XL <- sweep(rcspline.eval(ld, knots = kl, inclx = TRUE), 2, as.numeric(rcspline.eval(log10(off), knots = kl,
                                                                                       inclx = TRUE)))
fitl <- rma.mv(yi, V, mods = ~ XL - 1, random = ~ 1 | study/id, method = "REML", control = ctl2)
out$log10 <- list(offset = off, knots = kl, b = as.numeric(coef(fitl)), vb = unname(vcov(fitl)),
                  sigma2 = fitl$sigma2)
# Emax by profiling log10(ed50) (REML), maximised by optimize()
prof <- function(t) {
  x <- dose / (10^t + dose)
  rma.mv(yi, V, mods = ~ x - 1, random = ~ 1 | study/id, method = "REML",
         control = ctl2)
}
opt <- optimize(function(t) as.numeric(logLik(prof(t))), c(log10(0.1), log10(50)),
                maximum = TRUE, tol = 1e-10)
fe <- prof(opt$maximum)
out$emax <- list(ed50 = 10^opt$maximum, eMax = as.numeric(coef(fe)), se_eMax = as.numeric(fe$se),
                 logLik = as.numeric(logLik(fe)))
write_json(out, "tests/golden/dose_meta_dr.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
