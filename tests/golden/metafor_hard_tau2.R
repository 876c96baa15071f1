# Oracle for painregen's Fisher-scoring remedy (issue 11: never a traceback): data on which metafor's REML/ML
# Fisher scoring does not converge with the default step, fitted with metafor's documented remedy
# control = list(stepadj = 0.5). Writes tests/golden/metafor_hard_tau2.json.
#   Rscript tests/golden/metafor_hard_tau2.R   (from the repository root)
suppressMessages({library(metafor); library(jsonlite)})
input <- fromJSON("tests/golden/metafor_hard_tau2_input.json", simplifyVector = FALSE)$cases
out <- list()
for (case in input) {
  yi <- unlist(case$yi); vi <- unlist(case$vi)
  for (method in c("REML", "ML")) {
    default <- try(rma(yi, vi, method = method), silent = TRUE)
    fit <- try(rma(yi, vi, method = method, control = list(stepadj = 0.5, maxiter = 10000, threshold = 1e-12)),
               silent = TRUE)
    if (inherits(fit, "try-error")) next
    out[[length(out) + 1]] <- list(name = case$name, method = method, yi = yi, vi = vi,
                                   default_converged = !inherits(default, "try-error"),
                                   tau2 = fit$tau2, estimate = as.numeric(fit$b), se = fit$se, ll = fit$fit.stats["ll", method])
  }
}
write_json(list(metafor = as.character(packageVersion("metafor")), R = R.version.string, cases = out),
           "tests/golden/metafor_hard_tau2.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
