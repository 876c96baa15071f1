# Golden values for rma_mv with a known sampling covariance V (effects sharing a control group), from R metafor.
# Oracle only; the Python tests read the JSON (tests/golden/test_meta_golden_shared_control.py).
#
# Regenerate from the project root:   Rscript tests/golden/metafor_shared_control.R
# Writes tests/golden/metafor_shared_control.json with the R and metafor versions.
#
# Two datasets:
# 1. gleser2009_smd: the multiple-treatment example with standardised mean differences of Gleser & Olkin (2009),
#    "Stochastically dependent effect sizes", in Cooper, Hedges & Valentine (eds), The Handbook of Research
#    Synthesis and Meta-Analysis, 2nd ed., ch. 19 (four studies, six treatment-vs-control effects; the SD is pooled
#    over all groups of a study). This dataset is not in metadat 1.2.0 (the installed version), so its summary
#    values, as the chapter tabulates them, are typed in below. V: var = 1/n1 + 1/nc + d^2/(2N),
#    cov = 1/nc + d_i d_j/(2N), N = all animals of the study (Gleser & Olkin's large-sample formulas).
# 2. multiarm: a simulated set of preclinical experiments (seeded below) in which 1-4 treated groups share one
#    control group. Effects MD, ROM and SMD (escalc, the control at its full n) with the covariance of two effects
#    that share the control (the control's term of the delta-method variance):
#      MD:  sd_c^2/n_c;  ROM: sd_c^2/(n_c m_c^2);
#      SMD: 1/n_c + g_i g_j n_c / (2 (n_i + n_c)(n_j + n_c))  (each SMD's SD pooled over its own two groups).
# Models: rma.mv(yi, V, random = ~ 1 | study/es) (and study/experiment/es), REML and ML, z and t tests, with and
# without a moderator. Each model is fitted with two optimisers, nlminb (rel.tol 1e-10; reaches a boundary
# sigma2 = 0 closely) and optim BFGS (reltol 1e-15; more precise in flat interior directions), and the fit with
# the higher (restricted) log-likelihood is kept; its optimiser is recorded. sigma2 is then accurate to about
# 1e-6 relative.

suppressMessages({
  library(metafor)
  library(jsonlite)
})
invisible(Sys.setlocale("LC_COLLATE", "C"))

out_path <- file.path("tests", "golden", "metafor_shared_control.json")
mv_ctls <- list(nlminb = list(optimizer = "nlminb", rel.tol = 1e-10, iter.max = 10000, eval.max = 10000),
                bfgs = list(optimizer = "optim", optmethod = "BFGS", reltol = 1e-15, maxit = 10000))
num <- function(x) as.numeric(x)

# Block-diagonal V from per-group covariance matrices, in row order (groups are contiguous).
block_v <- function(groups, make) {
  k <- length(groups)
  V <- matrix(0, k, k)
  for (g in unique(groups)) {
    idx <- which(groups == g)
    V[idx, idx] <- make(idx)
  }
  V
}

fit_record <- function(res, clusters, method, mods, test, optimizer) {
  pr <- predict(res)
  list(clusters = clusters, method = method, mods = mods, test = test, optimizer = optimizer,
       sigma2 = num(res$sigma2),
       b = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval), ci_lb = num(res$ci.lb),
       ci_ub = num(res$ci.ub), QE = num(res$QE), QEp = num(res$QEp), QM = num(res$QM), QMp = num(res$QMp),
       logLik = num(logLik(res)),
       pred = list(pred = num(pr$pred)[1], pi_lb = num(pr$pi.lb)[1], pi_ub = num(pr$pi.ub)[1]))
}

fit_grid <- function(d, V, grid) {
  lapply(grid, function(g) {
    f <- as.formula(paste("~ 1 |", paste(g$clusters, collapse = "/")))
    fits <- lapply(mv_ctls, function(ctl) {
      if (length(g$mods) == 0) rma.mv(yi, V, random = f, data = d, method = g$method, test = g$test, control = ctl)
      else rma.mv(yi, V, mods = as.formula(paste("~", paste(g$mods, collapse = " + "))), random = f, data = d,
                  method = g$method, test = g$test, control = ctl)
    })
    best <- which.max(sapply(fits, function(r) as.numeric(logLik(r))))
    fit_record(fits[[best]], g$clusters, g$method, g$mods, g$test, names(mv_ctls)[best])
  })
}

# ---------------------------------------------------------------- 1. Gleser & Olkin (2009), SMD
go <- data.frame(study = c(1, 1, 2, 3, 4, 4), trt = c(1, 2, 1, 1, 1, 2),
                 m1i = c(7.87, 4.35, 9.32, 8.08, 7.44, 5.34), m2i = c(-1.36, -1.36, 0.98, 1.17, 0.45, 0.45),
                 sdpi = c(4.2593, 4.2593, 2.8831, 3.1764, 2.9344, 2.9344),
                 n1i = c(25, 22, 38, 50, 30, 30), n2i = c(25, 25, 40, 50, 30, 30))
go$Ni <- ave(go$n1i, go$study, FUN = sum) + go$n2i
go$yi <- (go$m1i - go$m2i) / go$sdpi
go$vi <- 1 / go$n1i + 1 / go$n2i + go$yi^2 / (2 * go$Ni)
go$es <- seq_len(nrow(go))
V_go <- block_v(go$study, function(idx) {
  v <- 1 / go$n2i[idx[1]] + outer(go$yi[idx], go$yi[idx]) / (2 * go$Ni[idx[1]])
  diag(v) <- go$vi[idx]
  v
})
go_grid <- list(list(clusters = c("study", "es"), method = "REML", mods = character(0), test = "z"),
                list(clusters = c("study", "es"), method = "ML", mods = character(0), test = "z"),
                list(clusters = c("study"), method = "REML", mods = character(0), test = "t"))
go_fits <- fit_grid(go, V_go, go_grid)
# the chapter's own fixed-effects GLS fit (no random effects), as a check of V itself
go_fe <- rma.mv(yi, V_go, mods = ~ 0 + factor(trt), data = go)
gleser <- list(
  source = "Gleser & Olkin (2009) Handbook of Research Synthesis and Meta-Analysis, 2nd ed., ch. 19",
  columns = as.list(go[, c("study", "trt", "es", "m1i", "m2i", "sdpi", "n1i", "n2i", "Ni", "yi", "vi")]),
  V = V_go, fits = go_fits,
  fe_trt = list(b = num(go_fe$beta), vb = go_fe$vb, QE = num(go_fe$QE)))

# ---------------------------------------------------------------- 2. simulated multi-arm experiments
set.seed(20240611)
arms <- list()
for (s in 1:24) {
  u_s <- rnorm(1, 0, 0.5)
  for (e in seq_len(sample(1:2, 1))) {
    u_e <- rnorm(1, 0, 0.3)
    n_trt <- sample(1:4, 1, prob = c(0.3, 0.3, 0.25, 0.15))
    sigma <- runif(1, 1.5, 4)
    mu_c <- runif(1, 8, 14)
    nc <- sample(6:12, 1)
    grp <- c("C", paste0("T", seq_len(n_trt)))
    for (g in grp) {
      n <- if (g == "C") nc else sample(6:12, 1)
      theta <- if (g == "C") 0 else 0.8 + u_s + u_e + rnorm(1, 0, 0.35)
      dose <- if (g == "C") 0 else round(runif(1, 0.5, 5), 2)
      mu <- mu_c + theta * sigma
      arms[[length(arms) + 1]] <- data.frame(
        study = sprintf("S%02d", s), experiment = sprintf("S%02d-E%d", s, e), group = g, role = ifelse(g == "C",
        "control", "treated"), m = rnorm(1, mu, sigma / sqrt(n)), sd = sigma * sqrt(rchisq(1, n - 1) / (n - 1)),
        n = n, dose = dose)
    }
  }
}
arms <- do.call(rbind, arms)
trt <- arms[arms$role == "treated", ]
ctl <- arms[arms$role == "control", ]
pairs <- merge(trt, ctl[, c("experiment", "m", "sd", "n")], by = "experiment", suffixes = c("1", "2"))
pairs <- pairs[order(pairs$study, pairs$experiment, pairs$group), ]
pairs$es <- seq_len(nrow(pairs))

shared_cov <- function(measure, d) {
  function(idx) {
    x <- d[idx, ]
    nc <- x$n2[1]; sc <- x$sd2[1]; mc <- x$m2[1]
    v <- switch(measure,
      MD = matrix(sc^2 / nc, length(idx), length(idx)),
      ROM = matrix(sc^2 / (nc * mc^2), length(idx), length(idx)),
      SMD = 1 / nc + outer(x$yi, x$yi) * nc / (2 * outer(x$n1 + nc, x$n1 + nc)))
    diag(v) <- x$vi
    v
  }
}
mv_grid <- list(list(clusters = c("study", "es"), method = "REML", mods = character(0), test = "z"),
                list(clusters = c("study", "es"), method = "ML", mods = character(0), test = "z"),
                list(clusters = c("study", "es"), method = "REML", mods = c("dose"), test = "t"),
                list(clusters = c("study", "experiment", "es"), method = "REML", mods = character(0), test = "z"))
multi <- list(source = "simulated in this script (set.seed(20240611))",
              arms = as.list(arms), effects = list())
for (measure in c("MD", "ROM", "SMD")) {
  d <- escalc(measure = measure, m1i = m1, sd1i = sd1, n1i = n1, m2i = m2, sd2i = sd2, n2i = n2, data = pairs)
  d$yi <- num(d$yi); d$vi <- num(d$vi)
  V <- block_v(d$experiment, shared_cov(measure, d))
  nz <- which(upper.tri(V) & V != 0, arr.ind = TRUE)
  multi$effects[[measure]] <- list(
    columns = as.list(d[, c("study", "experiment", "group", "es", "dose", "yi", "vi")]),
    cov = list(i = num(nz[, 1]) - 1, j = num(nz[, 2]) - 1, value = num(V[nz])),  # 0-based, upper triangle
    fits = fit_grid(d, V, mv_grid))
}

# ---------------------------------------------------------------- write
golden <- list(
  versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor"))),
  gleser2009_smd = gleser, multiarm = multi)
write_json(golden, out_path, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = FALSE)
cat("wrote", out_path, ":", length(go_fits), "Gleser-Olkin fits,",
    sum(sapply(multi$effects, function(x) length(x$fits))), "multi-arm fits over", nrow(pairs), "effects in",
    length(unique(pairs$study)), "studies\n")
