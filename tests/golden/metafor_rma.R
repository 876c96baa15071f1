# Golden values for painregen.meta from R metafor (oracle only; the tests read the JSON).
#
# Regenerate from the project root:   Rscript tests/golden/metafor_rma.R
# Writes tests/golden/metafor_rma.json with the R, metafor, metadat and clubSandwich versions.
# Effect sizes (yi, vi) are computed here with escalc and stored, so the Python tests need no R.
# All fits use tight convergence (threshold 1e-12 / rel.tol 1e-12) so that the oracle's own
# numerical error is far below the tests' tolerances.

suppressMessages({
  library(metafor)
  library(jsonlite)
  library(clubSandwich)
})
Sys.setlocale("LC_COLLATE", "C")  # factor levels sorted as Python sorts strings

out_path <- file.path("tests", "golden", "metafor_rma.json")
ctl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)
methods <- c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
tests <- c("z", "knha")

# ---------------------------------------------------------------- datasets
ds <- list()
add <- function(name, d, extra = character(0), source = "") {
  keep <- c("yi", "vi", extra)
  x <- as.data.frame(d)[, keep, drop = FALSE]
  x$yi <- as.numeric(x$yi); x$vi <- as.numeric(x$vi)
  ds[[name]] <<- list(data = x, source = source)
}
add("bcg", escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg),
    c("ablat", "year", "alloc"), "dat.bcg, escalc RR")
n99 <- dat.normand1999
n99$ni <- n99$n1i + n99$n2i
add("normand1999_md", escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
    n2i = n2i, data = n99), c("source", "ni"), "dat.normand1999, escalc MD")
add("normand1999_smd", escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
    n2i = n2i, data = n99), c("source", "ni"), "dat.normand1999, escalc SMD")
add("hackshaw1998", dat.hackshaw1998, c("year", "design", "country"), "dat.hackshaw1998 (log OR)")
add("molloy2014", escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.molloy2014),
    c("ni", "meanage", "quality", "design", "controls"), "dat.molloy2014, escalc ZCOR")
cur <- escalc(measure = "ROM", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
              data = dat.curtis1998)
cur$ni <- cur$n1i + cur$n2i
add("curtis1998", cur, c("fungrp", "time", "xtrt", "method", "paper", "ni"), "dat.curtis1998, escalc ROM")
add("pritz1997", escalc(measure = "PLO", xi = xi, ni = ni, data = dat.pritz1997), c("ni"),
    "dat.pritz1997, escalc PLO")
hine <- escalc(measure = "RD", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.hine1989)
hine$ni <- hine$n1i + hine$n2i
add("hine1989", hine, c("n1i", "ni"), "dat.hine1989, escalc RD")
rau <- dat.raudenbush1985
rau$ni <- rau$n1i + rau$n2i
add("raudenbush1985", rau, c("weeks", "tester", "setting", "ni"), "dat.raudenbush1985 (SMD)")
add("bangertdrowns2004", dat.bangertdrowns2004,
    c("length", "wic", "feedback", "info", "pers", "imag", "meta", "subject", "ni"),
    "dat.bangertdrowns2004 (SMD; NA in some moderators)")
lin <- escalc(measure = "RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.linde2005)
add("linde2005", lin, c("duration", "major", "ni"), "dat.linde2005, escalc RR (NA rows)")
add("konstantopoulos2011", dat.konstantopoulos2011, c("district", "school", "year"),
    "dat.konstantopoulos2011 (SMD; three-level)")

datasets_json <- lapply(ds, function(x) list(source = x$source, columns = as.list(x$data)))

# ---------------------------------------------------------------- helpers
num <- function(x) as.numeric(x)
fit_summary <- function(res) {
  o <- list(k = res$k, p = res$p, b = num(res$beta), se = num(res$se), zval = num(res$zval),
            pval = num(res$pval), ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub),
            tau2 = num(res$tau2), QE = num(res$QE), QEp = num(res$QEp), I2 = num(res$I2),
            H2 = num(res$H2), QM = num(res$QM), QMp = num(res$QMp), QMdf = num(res$QMdf),
            terms = rownames(res$beta))
  o$R2 <- if (is.null(res$R2)) NULL else num(res$R2)
  o
}
mods_formula <- function(mods) if (length(mods) == 0) NULL else as.formula(paste("~", paste(mods, collapse = " + ")))
fit <- function(dname, method, test, mods = character(0), ...) {
  d <- ds[[dname]]$data
  f <- mods_formula(mods)
  if (is.null(f)) rma(yi, vi, data = d, method = method, test = test, control = ctl, ...)
  else rma(yi, vi, mods = f, data = d, method = method, test = test, control = ctl, ...)
}

# ---------------------------------------------------------------- rma: every estimator x test
rma_cases <- list()
for (dname in c("bcg", "normand1999_md", "normand1999_smd", "hackshaw1998", "molloy2014", "curtis1998",
                "pritz1997", "hine1989", "raudenbush1985", "bangertdrowns2004", "linde2005")) {
  for (m in methods) for (tt in tests) {
    res <- fit(dname, m, tt)
    o <- fit_summary(res)
    pr <- predict(res)
    o$pred <- list(pred = num(pr$pred), se = num(pr$se), ci_lb = num(pr$ci.lb), ci_ub = num(pr$ci.ub),
                   pi_lb = num(if (is.null(pr$pi.lb)) pr$ci.lb else pr$pi.lb),
                   pi_ub = num(if (is.null(pr$pi.ub)) pr$ci.ub else pr$pi.ub))
    if (m != "FE") {
      ci <- confint(res, control = list(tol = 1e-12, tau2.max = 1e7))$random
      o$confint <- list(tau2 = num(ci["tau^2", ]), tau = num(ci["tau", ]), I2 = num(ci["I^2(%)", ]),
                        H2 = num(ci["H^2", ]))
    }
    rma_cases[[length(rma_cases) + 1]] <- list(dataset = dname, method = m, test = tt, mods = list(),
                                               result = o)
  }
}

# ---------------------------------------------------------------- meta-regression
mod_specs <- list(
  list("bcg", c("ablat")), list("bcg", c("ablat", "year")), list("bcg", c("alloc")),
  list("bcg", c("ablat", "alloc")), list("hackshaw1998", c("design", "year")),
  list("molloy2014", c("meanage", "design")), list("curtis1998", c("fungrp")),
  list("curtis1998", c("fungrp", "time", "xtrt")), list("raudenbush1985", c("weeks", "tester")),
  list("bangertdrowns2004", c("length", "feedback", "subject")), list("linde2005", c("duration", "major"))
)
mr_cases <- list()
for (spec in mod_specs) for (m in c("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB")) for (tt in tests) {
  res <- fit(spec[[1]], m, tt, spec[[2]])
  o <- fit_summary(res)
  if (m != "FE") {
    ci <- confint(res, control = list(tol = 1e-12, tau2.max = 1e7))$random
    o$confint <- list(tau2 = num(ci["tau^2", ]), I2 = num(ci["I^2(%)", ]), H2 = num(ci["H^2", ]))
  }
  pr <- predict(res)
  o$pred <- list(pred = num(pr$pred), se = num(pr$se), ci_lb = num(pr$ci.lb), ci_ub = num(pr$ci.ub),
                 pi_lb = num(if (is.null(pr$pi.lb)) pr$ci.lb else pr$pi.lb),
                 pi_ub = num(if (is.null(pr$pi.ub)) pr$ci.ub else pr$pi.ub))
  mr_cases[[length(mr_cases) + 1]] <- list(dataset = spec[[1]], method = m, test = tt, mods = spec[[2]],
                                           result = o)
}

# ---------------------------------------------------------------- subgroups
sub_cases <- list()
for (spec in list(list("bcg", "alloc"), list("curtis1998", "fungrp"), list("hackshaw1998", "design"),
                  list("raudenbush1985", "tester"), list("molloy2014", "design")))
  for (m in c("REML", "DL", "FE")) for (tt in tests) {
    d <- ds[[spec[[1]]]]$data
    g <- d[[spec[[2]]]]
    levs <- sort(unique(g))
    subs <- lapply(levs, function(l) {
      r <- rma(yi, vi, data = d, subset = g == l, method = m, test = tt, control = ctl)
      list(level = l, k = r$k, estimate = num(r$beta), se = num(r$se), ci_lb = num(r$ci.lb),
           ci_ub = num(r$ci.ub), tau2 = num(r$tau2), I2 = num(r$I2), QE = num(r$QE))
    })
    est <- sapply(subs, function(s) s$estimate)
    sei <- sapply(subs, function(s) s$se)
    between <- rma(est, sei = sei, method = "FE")
    fe_all <- rma(yi, vi, data = d, method = "FE")
    qw <- sum(sapply(levs, function(l) rma(yi, vi, data = d, subset = g == l, method = "FE")$QE))
    sub_cases[[length(sub_cases) + 1]] <- list(
      dataset = spec[[1]], group = spec[[2]], method = m, test = tt, subgroups = subs,
      Q_between = num(between$QE), Q_between_df = length(levs) - 1, Q_between_p = num(between$QEp),
      camarades_Q_total = num(fe_all$QE), camarades_Q_within = qw,
      camarades_Q_between = num(fe_all$QE) - qw,
      camarades_p = pchisq(num(fe_all$QE) - qw, length(levs) - 1, lower.tail = FALSE))
  }

# ---------------------------------------------------------------- bias
bias_cases <- list()
for (dname in c("bcg", "hackshaw1998", "molloy2014", "curtis1998", "pritz1997", "raudenbush1985",
                "bangertdrowns2004", "normand1999_smd", "linde2005", "hine1989"))
  for (m in c("REML", "FE", "DL")) for (tt in tests) {
    d <- ds[[dname]]$data
    res <- fit(dname, m, tt)
    eg <- regtest(res)
    o <- list(dataset = dname, method = m, test = tt,
              regtest = list(zval = num(eg$zval), pval = num(eg$pval), est = num(eg$est),
                             ci_lb = num(eg$ci.lb), ci_ub = num(eg$ci.ub), dfs = num(eg$dfs)))
    if ("ni" %in% names(d)) {
      resn <- rma(yi, vi, ni = ni, data = d, method = m, test = tt, control = ctl)
      for (pred in c("sqrtninv", "ninv", "ni", "vi")) {
        e2 <- regtest(resn, predictor = pred)
        o[[paste0("regtest_", pred)]] <- list(zval = num(e2$zval), pval = num(e2$pval),
          est = if (is.null(e2$est)) NULL else num(e2$est))
      }
    }
    rk <- ranktest(res)
    o$ranktest <- list(tau = num(rk$tau), pval = num(rk$pval))
    if (tt == "z") for (est in c("L0", "R0")) {
      tf <- trimfill(res, estimator = est, control = ctl)
      o[[paste0("trimfill_", est)]] <- list(k0 = num(tf$k0), side = tf$side, b = num(tf$beta),
        se = num(tf$se), ci_lb = num(tf$ci.lb), ci_ub = num(tf$ci.ub), tau2 = num(tf$tau2))
    }
    o$fsn <- list(rosenthal = num(fsn(yi, vi, data = d)$fsnum))
    bias_cases[[length(bias_cases) + 1]] <- o
  }

# ---------------------------------------------------------------- leave1out / influence
inf_cases <- list()
for (spec in list(list("bcg", character(0)), list("hackshaw1998", character(0)), list("normand1999_smd", character(0)),
                  list("bcg", c("ablat")), list("molloy2014", c("meanage"))))
  for (m in c("REML", "FE", "DL")) for (tt in tests) {
    res <- fit(spec[[1]], m, tt, spec[[2]])
    o <- list(dataset = spec[[1]], mods = spec[[2]], method = m, test = tt)
    if (length(spec[[2]]) == 0) {
      l1 <- leave1out(res, control = ctl)
      o$leave1out <- list(estimate = num(l1$estimate), se = num(l1$se), zval = num(if (is.null(l1$zval)) l1$tval else l1$zval),
        pval = num(l1$pval), ci_lb = num(l1$ci.lb), ci_ub = num(l1$ci.ub), Q = num(l1$Q), Qp = num(l1$Qp),
        tau2 = num(l1$tau2), I2 = num(l1$I2), H2 = num(l1$H2))
    }
    inf <- influence(res)
    ii <- inf$inf
    o$influence <- list(rstudent = num(ii$rstudent), dffits = num(ii$dffits), cook_d = num(ii$cook.d),
      cov_r = num(ii$cov.r), tau2_del = num(ii$tau2.del), QE_del = num(ii$QE.del), hat = num(ii$hat),
      weight = num(ii$weight), dfbs = lapply(as.list(inf$dfbs), num))
    inf_cases[[length(inf_cases) + 1]] <- o
  }

# ---------------------------------------------------------------- permutation tests (exact)
perm_cases <- list()
bcgd <- ds$bcg$data
bcgd$random <- as.numeric(bcgd$alloc == "random")
ds$bcg$data$random <- bcgd$random
datasets_json$bcg$columns$random <- bcgd$random
for (m in c("REML", "DL")) for (tt in tests) {
  res <- fit("hine1989", m, tt, "n1i")
  pt <- permutest(res, exact = TRUE, control = ctl)
  perm_cases[[length(perm_cases) + 1]] <- list(dataset = "hine1989", mods = list("n1i"), method = m, test = tt,
    pval = num(pt$pval), QMp = num(pt$QMp), QM = num(pt$QM), zval = num(pt$zval))
  res <- fit("hine1989", m, tt)
  pt <- permutest(res, exact = TRUE, control = ctl)
  perm_cases[[length(perm_cases) + 1]] <- list(dataset = "hine1989", mods = list(), method = m, test = tt,
    pval = num(pt$pval), QMp = num(pt$QMp), QM = num(pt$QM), zval = num(pt$zval))
  res <- fit("bcg", m, tt, "random")
  pt <- permutest(res, exact = TRUE, control = ctl)
  perm_cases[[length(perm_cases) + 1]] <- list(dataset = "bcg", mods = list("random"), method = m, test = tt,
    pval = num(pt$pval), QMp = num(pt$QMp), QM = num(pt$QM), zval = num(pt$zval))
}

# ---------------------------------------------------------------- multilevel + robust
mv_ctl <- list(optimizer = "nlminb", rel.tol = 1e-10, iter.max = 10000, eval.max = 10000)
mv_cases <- list()
k11 <- ds$konstantopoulos2011$data
for (m in c("REML", "ML")) for (mods in list(character(0), c("year"))) for (tt in c("z", "t")) {
  f <- mods_formula(mods)
  res <- if (is.null(f)) rma.mv(yi, vi, random = ~ 1 | district/school, data = k11, method = m, test = tt,
                                control = mv_ctl)
         else rma.mv(yi, vi, mods = f, random = ~ 1 | district/school, data = k11, method = m, test = tt,
                     control = mv_ctl)
  o <- list(dataset = "konstantopoulos2011", clusters = list("district", "school"), mods = mods, method = m,
            test = tt, sigma2 = num(res$sigma2), b = num(res$beta), se = num(res$se), zval = num(res$zval),
            pval = num(res$pval), ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), QE = num(res$QE),
            QEp = num(res$QEp), QM = num(res$QM), QMp = num(res$QMp), logLik = num(logLik(res)))
  pr <- predict(res)
  o$pred <- list(pred = num(pr$pred)[1], pi_lb = num(pr$pi.lb)[1], pi_ub = num(pr$pi.ub)[1])
  if (tt == "z") {
    rb <- robust(res, cluster = district, clubSandwich = TRUE)
    o$robust_cr2 <- list(b = num(rb$beta), se = num(rb$se), tval = num(rb$zval), pval = num(rb$pval),
      df = num(rb$ddf), ci_lb = num(rb$ci.lb), ci_ub = num(rb$ci.ub), QM = num(rb$QM), QMp = num(rb$QMp),
      QMdf = num(rb$QMdf))
    rb1 <- robust(res, cluster = district)
    o$robust_default <- list(se = num(rb1$se), tval = num(rb1$zval), pval = num(rb1$pval), df = num(rb1$ddf),
      QM = num(rb1$QM), QMp = num(rb1$QMp), QMdf = num(rb1$QMdf))
  }
  mv_cases[[length(mv_cases) + 1]] <- o
}
# robust on univariate models (cluster = district; and bcg with mods, cluster = alloc)
rob_cases <- list()
for (m in c("REML", "DL", "FE")) {
  res <- rma(yi, vi, data = k11, method = m, control = ctl)
  rb <- robust(res, cluster = district, clubSandwich = TRUE)
  rb1 <- robust(res, cluster = district)
  rob_cases[[length(rob_cases) + 1]] <- list(dataset = "konstantopoulos2011", cluster = "district", mods = list(),
    method = m, cr2 = list(se = num(rb$se), tval = num(rb$zval), pval = num(rb$pval), df = num(rb$ddf),
      QM = num(rb$QM), QMp = num(rb$QMp), QMdf = num(rb$QMdf)),
    default = list(se = num(rb1$se), tval = num(rb1$zval), pval = num(rb1$pval), df = num(rb1$ddf)))
  res <- rma(yi, vi, mods = ~ year, data = k11, method = m, control = ctl)
  rb <- robust(res, cluster = district, clubSandwich = TRUE)
  rb1 <- robust(res, cluster = district)
  rob_cases[[length(rob_cases) + 1]] <- list(dataset = "konstantopoulos2011", cluster = "district",
    mods = list("year"), method = m,
    cr2 = list(se = num(rb$se), tval = num(rb$zval), pval = num(rb$pval), df = num(rb$ddf), QM = num(rb$QM),
      QMp = num(rb$QMp), QMdf = num(rb$QMdf)),
    default = list(se = num(rb1$se), tval = num(rb1$zval), pval = num(rb1$pval), df = num(rb1$ddf),
      QM = num(rb1$QM), QMp = num(rb1$QMp), QMdf = num(rb1$QMdf)))
}
res <- rma(yi, vi, mods = ~ fungrp + time, data = ds$curtis1998$data, method = "REML", control = ctl)
rb <- robust(res, cluster = paper, clubSandwich = TRUE)
rob_cases[[length(rob_cases) + 1]] <- list(dataset = "curtis1998", cluster = "paper", mods = list("fungrp", "time"),
  method = "REML", cr2 = list(se = num(rb$se), tval = num(rb$zval), pval = num(rb$pval), df = num(rb$ddf),
    QM = num(rb$QM), QMp = num(rb$QMp), QMdf = num(rb$QMdf)))

# ---------------------------------------------------------------- baujat (plot coordinates)
pdf(NULL)
baujat_cases <- list()
for (dname in c("bcg", "hackshaw1998", "normand1999_smd")) for (m in c("FE", "REML")) {
  res <- fit(dname, m, "z")
  bj <- baujat(res)
  baujat_cases[[length(baujat_cases) + 1]] <- list(dataset = dname, method = m, x = num(bj$x), y = num(bj$y))
}
invisible(dev.off())

# ---------------------------------------------------------------- write
golden <- list(
  versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                  metadat = as.character(packageVersion("metadat")),
                  clubSandwich = as.character(packageVersion("clubSandwich"))),
  datasets = datasets_json,
  rma = rma_cases, metareg = mr_cases, subgroup = sub_cases, bias = bias_cases, influence = inf_cases,
  permutest = perm_cases, rma_mv = mv_cases, robust = rob_cases, baujat = baujat_cases)
write_json(golden, out_path, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = FALSE)
cat("wrote", out_path, ":", length(rma_cases), "rma,", length(mr_cases), "metareg,", length(sub_cases),
    "subgroup,", length(bias_cases), "bias,", length(inf_cases), "influence,", length(perm_cases),
    "permutest,", length(mv_cases), "rma_mv,", length(rob_cases), "robust,", length(baujat_cases),
    "baujat cases\n")
