# Shared by tests/golden/metafor_inputs.R, metafor_formula.R and metafor_tools.R (sourced; run from the project root).
# Oracle settings, CSV writing and the summary of an rma fit that the Python golden tests read.

invisible(Sys.setlocale("LC_COLLATE", "C.UTF-8"))  # R 4.2 sorts factor levels with ICU under a UTF-8 locale
dir <- file.path("tests", "golden")
csv_dir <- file.path(dir, "metafor_cli")
dir.create(csv_dir, showWarnings = FALSE)
ctl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)
num <- function(x) as.numeric(x)

# Write an input table for the CLI tests (missing values as empty cells); returns its path relative to tests/golden.
put_csv <- function(d, name) {
  write.csv(d, file.path(csv_dir, name), row.names = FALSE, na = "")
  file.path("metafor_cli", name)
}

versions <- function(...) {
  c(list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
         metadat = as.character(packageVersion("metadat")), jsonlite = as.character(packageVersion("jsonlite")),
         LC_COLLATE = Sys.getlocale("LC_COLLATE"), ICU = unname(extSoftVersion()["ICU"])), list(...))
}

# Coefficients, heterogeneity, tests, Q-profile CIs, prediction interval and fit statistics of an rma fit.
fit_summary <- function(res) {
  o <- list(k = res$k, p = res$p, b = num(res$beta), se = num(res$se), zval = num(res$zval),
            pval = num(res$pval), ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), tau2 = num(res$tau2),
            QE = num(res$QE), QEp = num(res$QEp), I2 = num(res$I2), H2 = num(res$H2), QM = num(res$QM),
            QMp = num(res$QMp), QMdf = num(res$QMdf), btt = num(res$btt), test = res$test,
            terms = rownames(res$beta))
  o$R2 <- if (is.null(res$R2)) NULL else num(res$R2)
  if (res$method != "FE" && res$k > res$p) {
    ci <- confint(res, control = list(tol = 1e-12, tau2.max = 1e7))$random
    o$confint <- list(tau2 = num(ci["tau^2", ]), tau = num(ci["tau", ]), I2 = num(ci["I^2(%)", ]),
                      H2 = num(ci["H^2", ]))
  }
  if (res$p == 1) {
    pr <- predict(res)
    o$pi <- num(c(if (is.null(pr$pi.lb)) pr$ci.lb else pr$pi.lb, if (is.null(pr$pi.ub)) pr$ci.ub else pr$pi.ub))
  }
  fs <- fitstats(res, REML = res$method == "REML")
  o$fitstats <- list(ll = num(fs[1]), dev = num(fs[2]), AIC = num(fs[3]), BIC = num(fs[4]), AICc = num(fs[5]))
  o
}
