# Golden values for the hard rma_mv fits: the models painregen's earlier Fisher-scoring fitter did not converge on
# (tests/data/rma_mv_hard.json says where they come from), fitted by R metafor.
# Oracle only; the Python tests read the JSON (tests/golden/test_meta_golden_rma_mv_hard.py).
#
# Regenerate from the project root:   Rscript tests/golden/metafor_rma_mv_hard.R
# Writes tests/golden/metafor_rma_mv_hard.json with the R and metafor versions.
#
# Model: rma.mv(yi, V, mods = ~ X - 1, random = ~ 1 | c1/c2) with V = diag(vi) plus the known covariance blocks,
# REML and ML. Each model is fitted with two optimisers, nlminb (rel.tol 1e-10) and optim BFGS (reltol 1e-15),
# and the fit with the higher (restricted) log-likelihood is kept and its optimiser recorded (as in
# metafor_shared_control.R).

suppressMessages({
  library(metafor)
  library(jsonlite)
})

in_path <- file.path("tests", "data", "rma_mv_hard.json")
out_path <- file.path("tests", "golden", "metafor_rma_mv_hard.json")
mv_ctls <- list(nlminb = list(optimizer = "nlminb", rel.tol = 1e-10, iter.max = 10000, eval.max = 10000),
                bfgs = list(optimizer = "optim", optmethod = "BFGS", reltol = 1e-15, maxit = 10000))
num <- function(x) as.numeric(x)

cases <- fromJSON(in_path, simplifyVector = FALSE)$cases
out <- list()
for (cs in cases) {
  yi <- num(unlist(cs$yi))
  vi <- num(unlist(cs$vi))
  k <- length(yi)
  X <- do.call(rbind, lapply(cs$X, function(r) num(unlist(r))))
  V <- diag(vi, k)
  for (b in cs$V) {
    rows <- as.integer(unlist(b$rows)) + 1L
    V[rows, rows] <- do.call(rbind, lapply(b$matrix, function(r) num(unlist(r))))
  }
  d <- data.frame(yi = yi, c1 = unlist(cs$clusters[[1]]), c2 = unlist(cs$clusters[[2]]))
  d$X <- X
  for (method in c("REML", "ML")) {
    fits <- lapply(names(mv_ctls), function(o) {
      tryCatch(rma.mv(yi, V, mods = ~ X - 1, random = ~ 1 | c1/c2, data = d, method = method,
                      control = mv_ctls[[o]]), error = function(e) NULL)
    })
    names(fits) <- names(mv_ctls)
    ok <- Filter(Negate(is.null), fits)
    lls <- vapply(ok, function(f) as.numeric(logLik(f)), 0)
    best <- names(ok)[which.max(lls)]
    res <- ok[[best]]
    out[[length(out) + 1]] <- list(
      id = cs$id, method = method, optimizer = best,
      logLik_by_optimizer = as.list(lls),
      sigma2 = num(res$sigma2), b = num(res$b), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
      ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), QE = num(res$QE), QEp = num(res$QEp),
      logLik = num(logLik(res)))
  }
}

doc <- list(
  r_version = R.version.string, metafor = as.character(packageVersion("metafor")),
  jsonlite = as.character(packageVersion("jsonlite")),
  note = paste("rma.mv(yi, V, mods = ~ X - 1, random = ~ 1 | c1/c2) on the inputs of tests/data/rma_mv_hard.json;",
               "best of nlminb (rel.tol 1e-10) and optim BFGS (reltol 1e-15) by logLik"),
  fits = out)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, pretty = TRUE), out_path)
cat("wrote", out_path, ":", length(out), "fits\n")
