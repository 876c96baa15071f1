# Golden values for the metafor tools exposed on the command line (issue 12, item 13): cluster-robust tests (CR2 +
# Satterthwaite, clubSandwich), exact permutation tests, influence diagnostics, leave-one-out, Q-profile intervals of
# tau2/I2/H2 and regtest predictors. Oracle only: the tests read the JSON and the CSV files this script writes.
#
# Regenerate from the project root:   Rscript tests/golden/metafor_tools.R
# Writes tests/golden/metafor_tools.json (R, metafor, metadat, clubSandwich versions) and tests/golden/metafor_cli/
# dorn2007.csv, lopez2019_small.csv. Datasets not used by the other golden files: metadat dorn2007, lopez2019,
# crede2010 (written by metafor_inputs.R).

suppressMessages({
  library(metafor)
  library(clubSandwich)
  library(jsonlite)
})
source(file.path("tests", "golden", "metafor_helpers.R"))

dorn <- escalc(measure = "RR", ai = x.a, n1i = n.a, ci = x.p, n2i = n.p, data = dat.dorn2007)
dorn$ni <- dorn$n.a + dorn$n.p
dorn_file <- put_csv(as.data.frame(dorn)[, c("study", "year", "country", "ibs.crit", "days", "jadad", "ni", "yi",
                                             "vi")], "dorn2007.csv")
lo <- dat.lopez2019
lo$yi <- lo$diff
lo$vi <- lo$se^2
lo_file <- file.path("metafor_cli", "lopez2019.csv")  # written by metafor_inputs.R
cr_file <- file.path("metafor_cli", "crede2010.csv")
cr <- read.csv(file.path(dir, cr_file), na.strings = c("NA", ""), stringsAsFactors = FALSE)

# ------------------------------------------------------------------ cluster-robust CR2 (clubSandwich) and CR1
robust_cases <- list()
for (spec in list(list(lo_file, lo, "tailored + group", "study"), list(lo_file, lo, "1", "study"),
                  list(cr_file, cr, "source + criterion", "studyid"), list(cr_file, cr, "1", "studyid")))
  for (m in c("REML", "DL")) {
    d <- spec[[2]]
    res <- rma(yi, vi, mods = as.formula(paste("~", spec[[3]])), data = d, method = m, control = ctl)
    for (cs in c(TRUE, FALSE)) {
      rb <- robust(res, cluster = d[[spec[[4]]]], clubSandwich = cs)
      robust_cases[[length(robust_cases) + 1]] <- list(
        file = spec[[1]], mods = spec[[3]], cluster = spec[[4]], method = m, type = if (cs) "CR2" else "CR1",
        terms = rownames(rb$beta), b = num(rb$beta), se = num(rb$se), stat = num(rb$zval), df = num(rb$ddf),
        pval = num(rb$pval), ci_lb = num(rb$ci.lb), ci_ub = num(rb$ci.ub), QM = num(rb$QM), QMdf = num(rb$QMdf),
        QMp = num(rb$QMp))
    }
  }

# ------------------------------------------------------------------ exact permutation tests
perm_cases <- list()
dsmall <- as.data.frame(dorn)[order(dorn$study), ][1:10, ]
small_file <- put_csv(dsmall[, c("study", "country", "ibs.crit", "jadad", "ni", "yi", "vi")], "dorn2007_small.csv")
for (spec in list(list("1", "REML"), list("jadad", "REML"), list("jadad", "DL"), list("1", "DL"))) {
  res <- rma(yi, vi, mods = as.formula(paste("~", spec[[1]])), data = dsmall, method = spec[[2]], control = ctl)
  pt <- permutest(res, exact = TRUE, progbar = FALSE, control = list(tol = 1e-12))
  perm_cases[[length(perm_cases) + 1]] <- list(file = small_file, mods = spec[[1]], method = spec[[2]],
                                               pval = num(pt$pval), QMp = num(pt$QMp), terms = rownames(res$beta))
}

# ------------------------------------------------------------------ influence, leave1out, confint
infl_cases <- list()
infl_specs <- c(lapply(c("REML", "DL", "FE"), function(m) lapply(c("z", "knha"), function(tt) list(dorn_file, dorn, m, tt))),
                list(list(list(cr_file, cr, "REML", "z"))))
for (spec in unlist(infl_specs, recursive = FALSE)) {
  m <- spec[[3]]; tt <- spec[[4]]
  res <- rma(yi, vi, data = spec[[2]], method = m, test = tt, control = ctl)
  inf <- influence(res)
  l1 <- leave1out(res, control = ctl)
  ci <- if (m != "FE") confint(res, control = list(tol = 1e-12, tau2.max = 1e7))$random else NULL
  infl_cases[[length(infl_cases) + 1]] <- list(
    file = spec[[1]], method = m, test = tt,
    rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits), cook_d = num(inf$inf$cook.d),
    cov_r = num(inf$inf$cov.r), tau2_del = num(inf$inf$tau2.del), QE_del = num(inf$inf$QE.del),
    hat = num(inf$inf$hat), weight = num(inf$inf$weight), dfbetas = num(inf$dfbs$intrcpt),
    inf = as.logical(inf$is.infl),
    l1o = list(estimate = num(l1$estimate), se = num(l1$se), stat = num(if (is.null(l1$zval)) l1$tval else l1$zval), pval = num(l1$pval),
               ci_lb = num(l1$ci.lb), ci_ub = num(l1$ci.ub), Q = num(l1$Q), Qp = num(l1$Qp), tau2 = num(l1$tau2),
               I2 = num(l1$I2), H2 = num(l1$H2)),
    confint = if (is.null(ci)) NULL else list(tau2 = num(ci["tau^2", ]), tau = num(ci["tau", ]),
                                              I2 = num(ci["I^2(%)", ]), H2 = num(ci["H^2", ])))
}

# ------------------------------------------------------------------ regtest predictors (bias --predictor)
reg_cases <- list()
for (spec in list(list(dorn_file, dorn), list(cr_file, cr)))
  for (pred in c("sei", "vi", "ni", "ninv", "sqrtninv")) {
    d <- spec[[2]]
    res <- rma(yi, vi, data = d, method = "REML", control = ctl)
    rt <- regtest(res, predictor = pred, ni = d$ni)
    reg_cases[[length(reg_cases) + 1]] <- list(
      file = spec[[1]], predictor = pred, stat = num(rt$zval), pval = num(rt$pval),
      limit = if (is.null(rt$est)) NULL else num(rt$est),
      limit_ci = if (is.null(rt$ci.lb)) NULL else num(c(rt$ci.lb, rt$ci.ub)))
  }

golden <- list(
  versions = versions(clubSandwich = as.character(packageVersion("clubSandwich"))),
  robust = robust_cases, permutest = perm_cases, influence = infl_cases, regtest = reg_cases
)
write_json(golden, file.path(dir, "metafor_tools.json"), digits = NA, auto_unbox = TRUE, null = "null",
           na = "null", pretty = FALSE)
cat("wrote", length(robust_cases), "robust,", length(perm_cases), "permutest,", length(infl_cases), "influence,",
    length(reg_cases), "regtest cases\n")
