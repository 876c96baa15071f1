# Golden values for how painregen reads meta-analysis inputs (issue 12, items 1-6), from R metafor.
# Oracle only: the tests read the JSON and the CSV files this script writes.
#
# Regenerate from the project root:   Rscript tests/golden/metafor_inputs.R
# Writes tests/golden/metafor_inputs.json (with the R, metafor, metadat versions and the collation locale) and the
# input tables tests/golden/metafor_cli/*.csv that the CLI tests read (missing values written as empty cells).
#
# Factor levels: R sorts them in the collation of LC_COLLATE. This script runs under C.UTF-8, where R 4.2 uses ICU
# (root collation: case-insensitive first, lower case first on ties): adMSC < bmMSC < none < None < UC-MSC.
# Datasets not used by the other golden files: metadat michael2013, gibson2002, lopez2019, crede2010, and seeded
# synthetic cell-therapy tables.

suppressMessages({
  library(metafor)
  library(jsonlite)
})
source(file.path("tests", "golden", "metafor_helpers.R"))
stopifnot(identical(sort(c("UC-MSC", "bmMSC", "adMSC", "None", "none")), c("adMSC", "bmMSC", "none", "None", "UC-MSC")))

cases <- list()
add_case <- function(...) cases[[length(cases) + 1]] <<- list(...)

# ------------------------------------------------------------------ item 1: text categories, NA words
mi <- dat.michael2013
mi_file <- put_csv(mi[, c("Study", "Medium", "Compensation", "Included_Critique", "yi", "vi")], "michael2013.csv")
for (m in c("REML", "DL")) {
  res <- rma(yi, vi, mods = ~ Compensation, data = mi, method = m, control = ctl)
  add_case(id = paste0("michael2013-Compensation-", m), item = 1, file = mi_file, mods = "Compensation",
           method = m, test = "z", result = fit_summary(res),
           warn = "None")  # the level 'None' is kept (with a warning), not dropped
  mi2 <- mi
  mi2$Compensation[mi2$Compensation == "None"] <- NA
  res <- rma(yi, vi, mods = ~ Compensation, data = mi2, method = m, control = ctl)
  add_case(id = paste0("michael2013-Compensation-naNone-", m), item = 1, file = mi_file, mods = "Compensation",
           na_values = "None", method = m, test = "z", result = fit_summary(res))
}
res <- rma(yi, vi, mods = ~ Medium + Included_Critique, data = mi, method = "REML", control = ctl)
add_case(id = "michael2013-Medium+Critique", item = 1, file = mi_file, mods = "Medium,Included_Critique",
         method = "REML", test = "knha", result = fit_summary(
           rma(yi, vi, mods = ~ Medium + Included_Critique, data = mi, method = "REML", test = "knha",
               control = ctl)))

# crede2010: NA cells in a categorical moderator are missing (rows dropped, as na.omit)
cr <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.crede2010)
cr_file <- put_csv(as.data.frame(cr)[, c("studyid", "source", "criterion", "class", "ni", "yi", "vi")],
                   "crede2010.csv")
for (spec in list(c("class"), c("class", "source"), c("criterion", "source")))
  for (m in c("REML", "ML")) {
    res <- rma(yi, vi, mods = as.formula(paste("~", paste(spec, collapse = "+"))), data = cr, method = m,
               control = ctl)
    add_case(id = paste0("crede2010-", paste(spec, collapse = "+"), "-", m), item = 1, file = cr_file,
             mods = paste(spec, collapse = ","), method = m, test = "z", result = fit_summary(res))
  }

# synthetic cell-therapy table: mixed-case levels, "none" and "NR" as real categories, blank and NA cells
set.seed(20240612)
k <- 30
syn <- data.frame(
  study = sprintf("S%02d", 1:k),
  source = rep(c("UC-MSC", "bmMSC", "adMSC"), length.out = k),
  route = rep(c("IV", "IT", "ip", "IT", "IV"), length.out = k),
  immuno = rep(c("none", "cyclosporin", "NR", "none", "tacrolimus", "None"), length.out = k),
  dose = round(rep(c(5, 5.5, 6, 6.5, 7), length.out = k) + rnorm(k, 0, 0.1), 2),
  vi = round(runif(k, 0.05, 0.4), 4),
  stringsAsFactors = FALSE
)
syn$yi <- round(0.5 + 0.3 * (syn$source == "bmMSC") - 0.2 * (syn$route == "ip") + 0.15 * (syn$dose - 6) +
                  rnorm(k, 0, sqrt(syn$vi + 0.05)), 4)
syn$immuno[c(4, 17)] <- NA  # written as empty cells
syn_file <- put_csv(syn, "cells.csv")
for (m in c("REML", "FE", "PM")) for (tt in c("z", "knha")) {
  res <- rma(yi, vi, mods = ~ source, data = syn, method = m, test = tt, control = ctl)
  add_case(id = paste0("cells-source-", m, "-", tt), item = 2, file = syn_file, mods = "source", method = m,
           test = tt, result = fit_summary(res))
}
syn_ref <- syn
syn_ref$source <- relevel(factor(syn_ref$source), ref = "UC-MSC")
res <- rma(yi, vi, mods = ~ source + dose, data = syn_ref, method = "REML", control = ctl)
add_case(id = "cells-source-ref-UC-MSC", item = 2, file = syn_file, mods = "source,dose", ref = "source=UC-MSC",
         method = "REML", test = "z", result = fit_summary(res))
res <- rma(yi, vi, mods = ~ immuno + route, data = syn, method = "REML", control = ctl)
add_case(id = "cells-immuno+route", item = 1, file = syn_file, mods = "immuno,route", method = "REML",
         test = "z", result = fit_summary(res), warn = "NR")
syn_na <- syn
syn_na$immuno[syn_na$immuno %in% c("NR", "none", "None")] <- NA
res <- rma(yi, vi, mods = ~ immuno + route, data = syn_na, method = "REML", control = ctl)
add_case(id = "cells-immuno-naNR", item = 1, file = syn_file, mods = "immuno,route", na_values = "NR,none,None",
         method = "REML", test = "z", result = fit_summary(res))

# ------------------------------------------------------------------ items 2-3: subgroups (level order and labels)
sub_case <- function(id, item, file, d, col, m, tt) {
  g <- d[[col]]
  keep <- !is.na(g)
  levs <- levels(factor(g[keep]))
  subs <- lapply(levs, function(l) {
    r <- rma(yi, vi, data = d, subset = keep & as.character(g) == l, method = m, test = tt, control = ctl)
    list(level = l, k = r$k, estimate = num(r$beta), se = num(r$se), ci_lb = num(r$ci.lb), ci_ub = num(r$ci.ub),
         tau2 = num(r$tau2), I2 = num(r$I2), QE = num(r$QE))
  })
  est <- sapply(subs, function(s) s$estimate)
  sei <- sapply(subs, function(s) s$se)
  between <- rma(est, sei = sei, method = "FE")
  add_case(id = id, item = item, kind = "subgroup", file = file, subgroup = col, method = m, test = tt,
           levels = levs, subgroups = subs, Q_between = num(between$QE), Q_between_p = num(between$QEp))
}
lo <- dat.lopez2019
lo$yi <- lo$diff
lo$vi <- lo$se^2
lo_file <- put_csv(lo[, c("study", "treatment", "scale", "n", "group", "tailored", "sessions", "yi", "vi")],
                   "lopez2019.csv")
for (m in c("REML", "DL")) {
  sub_case(paste0("lopez2019-tailored-", m), 3, lo_file, lo, "tailored", m, "z")
  sub_case(paste0("lopez2019-group-", m), 3, lo_file, lo, "group", m, "knha")
}
sub_case("cells-source-subgroup", 2, syn_file, syn, "source", "REML", "z")
sub_case("michael2013-Compensation-subgroup", 1, mi_file, mi, "Compensation", "DL", "z")

# ------------------------------------------------------------------ item 4: blank inputs in a metafor-style file
gi <- dat.gibson2002
gi_file <- put_csv(gi[, c("author", "year", "n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i")], "gibson2002.csv")
escalc_cases <- list()
for (measure in c("SMD", "MD", "ROM")) {
  es <- escalc(measure = measure, m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = gi)
  escalc_cases[[length(escalc_cases) + 1]] <- list(file = gi_file, measure = measure, yi = num(es$yi),
                                                   vi = num(es$vi), missing_rows = which(is.na(es$yi)))
}

# ------------------------------------------------------------------ item 5: fail-safe N at whole numbers
fsn_cases <- list()
for (spec in list(c(3, 13), c(4, 12), c(5, 20), c(6, 30), c(2, 7))) {
  kk <- spec[1]; target <- spec[2]
  z_total <- qnorm(0.95) * sqrt(target + kk)
  yi <- rep(z_total / kk, kk)
  vi <- rep(1, kk)
  raw <- (sum(yi / sqrt(vi)) / qnorm(0.95))^2 - kk
  fsn_cases[[length(fsn_cases) + 1]] <- list(yi = yi, vi = vi, fsn = num(fsn(yi, vi)$fsnum), raw = raw)
}
for (d in list(mi, cr[1:20, ])) {
  f <- fsn(d$yi, d$vi)
  fsn_cases[[length(fsn_cases) + 1]] <- list(yi = num(d$yi), vi = num(d$vi), fsn = num(f$fsnum), raw = NA)
}

# ------------------------------------------------------------------ item 6: user mistakes
k1 <- suppressWarnings(rma(yi = 0.42, vi = 0.05, test = "knha"))
one_file <- put_csv(data.frame(study = "A", yi = 0.42, vi = 0.05), "one_study.csv")
add_case(id = "k1-knha", item = 6, file = one_file, mods = "", method = "REML", test = "knha",
         result = fit_summary(k1), warn = "k = 1")
equal_file <- put_csv(data.frame(study = LETTERS[1:6], yi = c(.1, .5, .3, .9, .4, .2), vi = 0.1), "equal_vi.csv")
equal_msg <- tryCatch(regtest(rma(yi = c(.1, .5, .3, .9, .4, .2), vi = rep(.1, 6))), error = conditionMessage)

# ------------------------------------------------------------------ R's collation and number labels
set.seed(1)
chars <- c(letters, LETTERS, 0:9, strsplit(" -_.+/()%,:;#&'", "")[[1]])
labels <- unique(replicate(2500, paste(sample(chars, sample(1:6, 1), replace = TRUE), collapse = "")))
labels <- c(labels, "adMSC", "bmMSC", "UC-MSC", "ucMSC", "none", "None", "NR", "BM-MSC", "hUC-MSC", "iPSC-NSC")
numbers <- c(0, 1, 0.5, 1e5, 123456, 1e-4, 0.001, 1/3, 100, 1e15, -2.5, 1234567.1, 0.1 + 0.2, 2.5, 1e3, 1e-15,
             5e5, 2.5e6, 7.25, -0.125, 1e-3, 12345678)
collation <- list(input = labels, sorted = sort(labels), factor_levels = levels(factor(labels)),
                  numbers = numbers, number_labels = as.character(numbers),
                  numeric_factor_levels = levels(factor(c(10, 2, 1, 0.5, 2, 10))))

golden <- list(
  versions = versions(),
  cases = cases, escalc = escalc_cases, fsn = fsn_cases, collation = collation,
  equal_vi = list(file = equal_file, metafor_error = equal_msg)
)
write_json(golden, file.path(dir, "metafor_inputs.json"), digits = NA, auto_unbox = TRUE, null = "null",
           na = "null", pretty = FALSE)
cat("wrote", length(cases), "model cases,", length(escalc_cases), "escalc,", length(fsn_cases), "fsn\n")
