# Golden values for rma_mv beyond nested random intercepts (issue 12 item 14), from R metafor: several random terms
# (crossed), '~ inner | outer' with struct CS / HCS / UN / ID / DIAG / AR / HAR, random slopes (struct "GEN"), and
# test = "t" with dfs = "residual" / "contain".
# Oracle only; the Python tests read the JSON (tests/golden/test_meta_golden_rma_mv_struct.py).
#
# Regenerate from the project root:   Rscript tests/golden/metafor_rma_mv_struct.R
# Writes tests/golden/metafor_rma_mv_struct.json with the R, metafor and metadat versions.
#
# Datasets (metadat; none is used by the other golden scripts):
# - dat.kalaian1996: SAT coaching, verbal and math outcomes within studies; V from vcalc(rho = 0.66) as in the
#   dataset's documentation; '~ outcome | study' with UN, CS, HCS, ID, DIAG.
# - dat.fine1993: log odds ratios at four time points; V with the Trikalinos & Olkin (2012) covariances, (near)
#   singular blocks ridge-corrected as in the dataset's documentation; '~ time | study' with AR, HAR, HCS.
# - dat.obrien2003: preeclampsia prevalence (%) against within-study centred BMI; random slopes
#   '~ bmicent | study' with struct "GEN", and '~ 1 | study/grp' with dfs = "contain".
# - dat.knapp2017: planning ability in schizophrenia; crossed random effects list(~ 1 | study/comp, ~ 1 | task).
# - cells_crossed: a seeded synthetic preclinical set (12 labs x 4 rat strains, crossed), written out below.
# - cells_outcomes, cells_time: seeded synthetic preclinical sets with interior optima (three correlated pain
#   outcomes per cohort; four time points with AR(1) true effects), written out below; and cs_psd, nine effects on
#   which the CS likelihood keeps rising as rho leaves the positive semi-definite range (rho >= -1/2 for three
#   inner levels): metafor's optimiser fails there, so the golden value is metafor's fit with rho fixed at -1/2.
# Each model is fitted with nlminb (rel.tol 1e-10) and optim BFGS (reltol 1e-15); the fit with the higher
# (restricted) log-likelihood is kept and its optimiser recorded. metafor reaches a boundary (a variance 0,
# |rho| = 1) only in the limit of its log / atanh scales; where it ends within 1e-8 (1e-5 for rho) of one, the
# model is refitted with those components fixed on the boundary (metafor's tau2 = / rho = arguments) and the
# refit kept when its log-likelihood is at least as high (boundary_refit in the JSON).

suppressMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})
invisible(Sys.setlocale("LC_COLLATE", "C.UTF-8"))

out_path <- file.path("tests", "golden", "metafor_rma_mv_struct.json")
mv_ctls <- list(nlminb = list(optimizer = "nlminb", rel.tol = 1e-10, iter.max = 10000, eval.max = 10000),
                bfgs = list(optimizer = "optim", optmethod = "BFGS", reltol = 1e-15, maxit = 10000))
num <- function(x) as.numeric(x)

# V blocks (0-based rows, matrix) of a block-diagonal V, one block per cluster with two or more rows
v_blocks <- function(V, cluster) {
  out <- list()
  for (g in unique(cluster)) {
    rows <- which(cluster == g)
    if (length(rows) > 1) out[[length(out) + 1]] <- list(rows = rows - 1L, matrix = unname(V[rows, rows]))
  }
  out
}

datasets <- list()

# --- kalaian1996
d <- dat.kalaian1996
d$loghrs <- log(d$hrs) - mean(log(d$hrs), na.rm = TRUE)
V <- vcalc(vi, cluster = study, type = outcome, data = d, rho = 0.66)
datasets$kalaian1996 <- list(data = d[c("study", "outcome", "yi", "vi", "loghrs")], V = v_blocks(V, d$study),
                             Vmat = V)

# --- fine1993 (long format, as the dataset's documentation builds it)
f <- dat.fine1993
f <- escalc(measure = "OR", ai = e1i, n1i = nei, ci = c1i, n2i = nci, data = f, var.names = c("y1i", "v1i"))
f <- escalc(measure = "OR", ai = e2i, n1i = nei, ci = c2i, n2i = nci, data = f, var.names = c("y2i", "v2i"))
f <- escalc(measure = "OR", ai = e3i, n1i = nei, ci = c3i, n2i = nci, data = f, var.names = c("y3i", "v3i"))
f <- escalc(measure = "OR", ai = e4i, n1i = nei, ci = c4i, n2i = nci, data = f, var.names = c("y4i", "v4i"))
f$v12i <- with(f, nei / (e1i * (nei - e2i)) + nci / (c1i * (nci - c2i)))
f$v13i <- with(f, nei / (e1i * (nei - e3i)) + nci / (c1i * (nci - c3i)))
f$v14i <- with(f, nei / (e1i * (nei - e4i)) + nci / (c1i * (nci - c4i)))
f$v23i <- with(f, nei / (e2i * (nei - e3i)) + nci / (c2i * (nci - c3i)))
f$v24i <- with(f, nei / (e2i * (nei - e4i)) + nci / (c2i * (nci - c4i)))
f$v34i <- with(f, nei / (e3i * (nei - e4i)) + nci / (c3i * (nci - c4i)))
long <- data.frame(study = rep(seq_len(nrow(f)), each = 4), time = 1:4,
                   yi = c(t(f[c("y1i", "y2i", "y3i", "y4i")])), vi = c(t(f[c("v1i", "v2i", "v3i", "v4i")])))
Vl <- lapply(split(f, f$study), function(x) matrix(c(x$v1i, x$v12i, x$v13i, x$v14i, x$v12i, x$v2i, x$v23i, x$v24i,
                                                     x$v13i, x$v23i, x$v3i, x$v34i, x$v14i, x$v24i, x$v34i, x$v4i),
                                                   nrow = 4, ncol = 4, byrow = TRUE))
long <- na.omit(long)
Vl[[17]] <- Vl[[17]][c(2, 4), c(2, 4)]
ridge <- function(Vi) {
  e <- eigen(Vi)
  if (any(e$values <= .08)) round(e$vectors %*% diag(e$values + .08) %*% t(e$vectors), 12) else Vi
}
Vc <- lapply(Vl, ridge)
Vc[[17]] <- Vl[[17]]
Vc <- bldiag(Vc)
long$vi <- diag(Vc)  # the ridge changes the variances too: V's diagonal is the sampling variance
rownames(long) <- NULL
datasets$fine1993 <- list(data = long, V = v_blocks(Vc, long$study), Vmat = Vc)

# --- obrien2003
o <- dat.obrien2003
o$bmicent <- with(o, bmi - ave(bmi, study))
o <- escalc(measure = "PR", xi = cases, ni = total, data = o)
o$yi <- num(o$yi) * 100
o$vi <- num(o$vi) * 100^2
datasets$obrien2003 <- list(data = data.frame(study = o$study, grp = o$grp, bmicent = o$bmicent, yi = o$yi,
                                              vi = o$vi), V = list(), Vmat = NULL)

# --- knapp2017 (sampling variances only)
kn <- dat.knapp2017
datasets$knapp2017 <- list(data = kn[c("study", "comp", "task", "difficulty", "yi", "vi")], V = list(), Vmat = NULL)

# --- cells_crossed: 12 labs x 4 strains, 1-3 experiments per lab-strain pair, SMD-like effects
set.seed(20240611)
labs <- sprintf("lab%02d", 1:12)
strains <- c("Lewis", "Sprague-Dawley", "Wistar", "C57BL/6")
rows <- do.call(rbind, lapply(labs, function(l) {
  st <- sample(strains, sample(2:4, 1))
  do.call(rbind, lapply(st, function(s) data.frame(lab = l, strain = s, rep = seq_len(sample(1:3, 1)))))
}))
u_lab <- setNames(rnorm(12, 0, 0.35), labs)
u_strain <- setNames(rnorm(4, 0, 0.25), strains)
n <- sample(6:12, nrow(rows), replace = TRUE)
rows$vi <- 2 / n + 0.6^2 / (4 * n)
rows$dose <- round(runif(nrow(rows), 0, 2), 3)
rows$yi <- 0.6 + 0.2 * rows$dose + u_lab[rows$lab] + u_strain[rows$strain] + rnorm(nrow(rows), 0, sqrt(rows$vi))
rows$yi <- round(rows$yi, 6)
rows$vi <- round(rows$vi, 8)
rows$es <- seq_len(nrow(rows))
datasets$cells_crossed <- list(data = rows[c("lab", "strain", "es", "dose", "yi", "vi")], V = list(), Vmat = NULL)

# --- cells_outcomes: 30 cohorts reporting 1-3 of three pain outcomes, correlated true effects (UN), sampling
#     correlation 0.5 between outcomes of a cohort
outs <- c("mechanical", "thermal", "function")
Sig <- matrix(c(0.20, 0.09, 0.05, 0.09, 0.12, 0.04, 0.05, 0.04, 0.25), 3, 3)
co <- do.call(rbind, lapply(1:30, function(i) {
  o <- sort(sample(outs, sample(1:3, 1, prob = c(0.2, 0.4, 0.4))))
  data.frame(cohort = sprintf("c%02d", i), outcome = o, n = sample(6:12, 1))
}))
u <- t(chol(Sig)) %*% matrix(rnorm(3 * 30), 3)
co$vi <- round(2 / co$n + 0.8^2 / (4 * co$n), 8)
Vco <- diag(co$vi)
for (g in unique(co$cohort)) {
  r <- which(co$cohort == g)
  for (a in r) for (b in r) if (a != b) Vco[a, b] <- 0.5 * sqrt(co$vi[a] * co$vi[b])
}
mu <- c(mechanical = 0.9, thermal = 0.6, "function" = 0.4)
co$yi <- round(mu[co$outcome] + u[cbind(match(co$outcome, outs), as.integer(sub("c", "", co$cohort)))] +
                 drop(t(chol(Vco)) %*% rnorm(nrow(co))), 6)
datasets$cells_outcomes <- list(data = co[c("cohort", "outcome", "yi", "vi")], V = v_blocks(Vco, co$cohort),
                                Vmat = Vco)

# --- cells_time: 25 cohorts measured at days 7, 14, 21, 28 (some missed), AR(1) true effects over time
ti <- do.call(rbind, lapply(1:25, function(i) {
  days <- c(7, 14, 21, 28)
  keep <- if (runif(1) < 0.3) sort(sample(days, 3)) else days
  data.frame(cohort = sprintf("k%02d", i), day = keep)
}))
ar <- 0.7^abs(outer(1:4, 1:4, "-")) * 0.15
ua <- t(chol(ar)) %*% matrix(rnorm(4 * 25), 4)
ti$vi <- round(runif(nrow(ti), 0.08, 0.3), 8)
ti$yi <- round(0.5 + 0.01 * ti$day + ua[cbind(ti$day / 7, as.integer(sub("k", "", ti$cohort)))] +
                 rnorm(nrow(ti), 0, sqrt(ti$vi)), 6)
datasets$cells_time <- list(data = ti, V = list(), Vmat = NULL)

# --- cs_psd: nine effects in four cohorts where the CS likelihood rises as rho falls below -1/(3 - 1), where Sigma
#     stops being positive semi-definite; metafor's nlminb does not converge on it, painregen keeps rho >= -1/2
d_psd <- data.frame(cohort = c("0", "0", "1", "1", "2", "2", "3", "3", "3"), inner = c("0", "2", "1", "2", "1", "2",
                                                                                       "0", "1", "2"),
                    yi = c(0.68742437, 0.82128902, 1.14808842, -0.64614701, 0.2186877, 0.45975888, 0.90121591,
                           -0.53521999, 0.59212538),
                    vi = c(0.11232488, 0.24076004, 0.10489455, 0.14697941, 0.05753168, 0.13287164, 0.07696747,
                           0.09344774, 0.23010211))
datasets$cs_psd <- list(data = d_psd, V = list(), Vmat = NULL)

# --- models
cases <- list(
  list(id = "cs_psd_bound", ds = "cs_psd", random = list("~ inner | cohort"), struct = "CS", mods = NULL,
       methods = "REML", rho = -0.5),
  list(id = "cells_UN", ds = "cells_outcomes", random = list("~ outcome | cohort"), struct = "UN",
       mods = "~ outcome - 1", methods = c("REML", "ML")),
  list(id = "cells_UN_contain", ds = "cells_outcomes", random = list("~ outcome | cohort"), struct = "UN",
       mods = "~ outcome", methods = "REML", dfs = "contain"),
  list(id = "cells_CS", ds = "cells_outcomes", random = list("~ outcome | cohort"), struct = "CS",
       mods = "~ outcome - 1", methods = c("REML", "ML")),
  list(id = "cells_HCS", ds = "cells_outcomes", random = list("~ outcome | cohort"), struct = "HCS",
       mods = "~ outcome - 1", methods = "REML"),
  list(id = "cells_DIAG", ds = "cells_outcomes", random = list("~ outcome | cohort"), struct = "DIAG",
       mods = "~ outcome - 1", methods = "REML"),
  list(id = "cells_AR", ds = "cells_time", random = list("~ day | cohort"), struct = "AR", mods = "~ day",
       methods = c("REML", "ML")),
  list(id = "cells_HAR", ds = "cells_time", random = list("~ day | cohort"), struct = "HAR", mods = "~ day",
       methods = "REML"),
  list(id = "cells_AR_t", ds = "cells_time", random = list("~ day | cohort"), struct = "AR", mods = "~ day",
       methods = "REML", dfs = "contain"),
  list(id = "kalaian_UN", ds = "kalaian1996", random = list("~ outcome | study"), struct = "UN",
       mods = "~ outcome - 1", methods = c("REML", "ML")),
  list(id = "kalaian_UN_loghrs", ds = "kalaian1996", random = list("~ outcome | study"), struct = "UN",
       mods = "~ outcome + outcome:loghrs - 1", methods = "REML"),
  list(id = "kalaian_UN_t_contain", ds = "kalaian1996", random = list("~ outcome | study"), struct = "UN",
       mods = "~ outcome - 1", methods = "REML", dfs = "contain"),
  list(id = "kalaian_CS", ds = "kalaian1996", random = list("~ outcome | study"), struct = "CS",
       mods = "~ outcome - 1", methods = c("REML", "ML")),
  list(id = "kalaian_HCS", ds = "kalaian1996", random = list("~ outcome | study"), struct = "HCS",
       mods = "~ outcome - 1", methods = "REML"),
  list(id = "kalaian_DIAG", ds = "kalaian1996", random = list("~ outcome | study"), struct = "DIAG",
       mods = "~ outcome - 1", methods = "REML"),
  list(id = "kalaian_ID", ds = "kalaian1996", random = list("~ outcome | study"), struct = "ID",
       mods = "~ outcome - 1", methods = "REML"),
  list(id = "kalaian_CS_int", ds = "kalaian1996", random = list("~ outcome | study"), struct = "CS",
       mods = NULL, methods = "REML", test = "t"),
  list(id = "fine_AR", ds = "fine1993", random = list("~ time | study"), struct = "AR",
       mods = "~ factor(time) - 1", methods = c("REML", "ML")),
  list(id = "fine_HAR", ds = "fine1993", random = list("~ time | study"), struct = "HAR",
       mods = "~ factor(time) - 1", methods = "REML"),
  list(id = "fine_HCS", ds = "fine1993", random = list("~ time | study"), struct = "HCS",
       mods = "~ factor(time) - 1", methods = "REML"),
  list(id = "obrien_GEN", ds = "obrien2003", random = list("~ bmicent | study"), struct = "GEN",
       mods = "~ bmicent", methods = c("REML", "ML")),
  list(id = "obrien_nested_contain", ds = "obrien2003", random = list("~ 1 | study/grp"), struct = "CS",
       mods = "~ bmicent", methods = "REML", dfs = "contain"),
  list(id = "knapp_crossed", ds = "knapp2017", random = list("~ 1 | study/comp", "~ 1 | task"), struct = "CS",
       mods = NULL, methods = c("REML", "ML")),
  list(id = "knapp_crossed_contain", ds = "knapp2017", random = list("~ 1 | study/comp", "~ 1 | task"),
       struct = "CS", mods = NULL, methods = "REML", dfs = "contain"),
  list(id = "cells_crossed", ds = "cells_crossed", random = list("~ 1 | lab", "~ 1 | strain"), struct = "CS",
       mods = "~ dose", methods = c("REML", "ML")),
  list(id = "cells_crossed_contain", ds = "cells_crossed", random = list("~ 1 | lab", "~ 1 | strain", "~ 1 | es"),
       struct = "CS", mods = "~ dose", methods = "REML", dfs = "contain"),
  list(id = "cells_crossed_t", ds = "cells_crossed", random = list("~ 1 | lab", "~ 1 | strain"), struct = "CS",
       mods = "~ dose", methods = "REML", test = "t")
)

fits <- list()
for (cs in cases) {
  ds <- datasets[[cs$ds]]
  d <- ds$data
  Vuse <- if (is.null(ds$Vmat)) d$vi else ds$Vmat
  rnd <- lapply(cs$random, as.formula)
  if (length(rnd) == 1) rnd <- rnd[[1]]
  dfs <- if (is.null(cs$dfs)) "residual" else cs$dfs
  test <- if (is.null(cs$test)) "z" else cs$test
  for (method in cs$methods) {
    one <- lapply(names(mv_ctls), function(opt) {
      args <- list(yi = d$yi, V = Vuse, random = rnd, struct = cs$struct, data = d, method = method, test = test,
                   dfs = dfs, control = mv_ctls[[opt]])
      if (!is.null(cs$mods)) args$mods <- as.formula(cs$mods)
      if (!is.null(cs$rho)) args$rho <- cs$rho  # a component fixed on the boundary of the parameter space
      tryCatch(suppressWarnings(do.call(rma.mv, args)), error = function(e) NULL)
    })
    names(one) <- names(mv_ctls)
    ok <- Filter(Negate(is.null), one)
    lls <- vapply(ok, function(x) num(logLik(x)), 0)
    best <- names(ok)[which.max(lls)]
    res <- ok[[best]]
    # metafor optimises log variances and atanh correlations, so it reaches a boundary (variance 0, |rho| = 1)
    # only in the limit and may stop short of it; refit with the components at the boundary fixed there and keep
    # that fit when its (restricted) log-likelihood is at least as high
    fixes <- list()
    if (res$withG && any(abs(res$rho) > 1 - 1e-5)) fixes$rho <- ifelse(abs(res$rho) > 1 - 1e-5, sign(res$rho), NA)
    if (res$withG && cs$struct != "ID" && any(res$tau2 < 1e-8)) fixes$tau2 <- ifelse(res$tau2 < 1e-8, 0, NA)
    if (res$withS && any(res$sigma2 < 1e-8)) fixes$sigma2 <- ifelse(res$sigma2 < 1e-8, 0, NA)
    boundary <- FALSE
    if (length(fixes) > 0) {
      subsets <- unlist(lapply(seq_along(fixes), function(m) combn(names(fixes), m, simplify = FALSE)),
                        recursive = FALSE)
      for (sub in subsets) {
        args <- list(yi = d$yi, V = Vuse, random = rnd, struct = cs$struct, data = d, method = method,
                     test = test, dfs = dfs, control = mv_ctls[[best]])
        if (!is.null(cs$mods)) args$mods <- as.formula(cs$mods)
        args[sub] <- fixes[sub]
        refit <- tryCatch(suppressWarnings(do.call(rma.mv, args)), error = function(e) NULL)
        if (!is.null(refit) && num(logLik(refit)) >= num(logLik(res)) - 1e-10) {
          res <- refit
          boundary <- TRUE
        }
      }
    }
    X <- model.matrix(res)
    has_int <- colnames(X)[1] == "intrcpt"
    fits[[length(fits) + 1]] <- list(
      id = cs$id, dataset = cs$ds, random = cs$random, struct = cs$struct, mods = cs$mods, method = method,
      test = test, dfs = dfs, optimizer = best, logLik_by_optimizer = as.list(lls), boundary_refit = boundary,
      fixed_rho = if (is.null(cs$rho)) NULL else cs$rho,
      X = unname(if (has_int) X[, -1, drop = FALSE] else X), intercept = has_int,
      terms = colnames(X), not_na = which(!is.na(d$yi) & apply(!is.na(d[all.vars(as.formula(
        if (is.null(cs$mods)) "~ 1" else cs$mods))]), 1, all)) - 1L,
      k = res$k, p = res$p, b = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
      ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), sigma2 = num(res$sigma2), tau2 = num(res$tau2),
      rho = num(res$rho), gamma2 = num(res$gamma2), phi = num(res$phi), QE = num(res$QE), QEp = num(res$QEp),
      QM = num(res$QM), QMp = num(res$QMp), QMdf = num(res$QMdf), ddf = num(res$ddf), btt = num(res$btt),
      logLik = num(logLik(res)), s_nlevels = num(res$s.nlevels), g_levels = as.character(res$g.levels.f[[1]]),
      g_nlevels = num(res$g.nlevels.f))
  }
}

out <- list(
  versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                  metadat = as.character(packageVersion("metadat")),
                  jsonlite = as.character(packageVersion("jsonlite")), LC_COLLATE = Sys.getlocale("LC_COLLATE")),
  datasets = lapply(datasets, function(x) list(columns = as.list(x$data), V = x$V)),
  fits = fits)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = FALSE, null = "null", na = "null"), out_path)
cat("wrote", out_path, ":", length(fits), "fits\n")
