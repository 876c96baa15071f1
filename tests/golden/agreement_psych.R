# Oracle for Cohen's kappa: psych::cohen.kappa (Debian r-cran-psych) on the contingency tables of
# agreement_cases.json. Writes agreement_psych.json with the R and psych versions.
# Run from the project root: Rscript tests/golden/agreement_psych.R
suppressPackageStartupMessages({library(psych); library(jsonlite)})
cases <- fromJSON("tests/golden/agreement_cases.json", simplifyVector = FALSE)
out_cases <- list()
for (name in names(cases$pairs)) {
  case <- cases$pairs[[name]]
  tab <- do.call(rbind, lapply(case$table, function(r) as.numeric(unlist(r))))
  q <- nrow(tab)
  # one row per record (rater A, rater B) so that psych sees raw ratings; levels keep unused categories
  idx <- which(tab > 0, arr.ind = TRUE)
  a <- rep(idx[, 1], tab[idx]); b <- rep(idx[, 2], tab[idx])
  ck <- cohen.kappa(cbind(a, b), levels = seq_len(q))
  out_cases[[name]] <- list(n = sum(tab), kappa = ck$kappa, var_kappa = ck$var.kappa,
                            ci_low = ck$confid[1, 1], ci_high = ck$confid[1, 3])
}
versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")))
writeLines(toJSON(list(versions = versions, pairs = out_cases), auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/golden/agreement_psych.json")
cat("wrote tests/golden/agreement_psych.json:", length(out_cases), "tables\n")
