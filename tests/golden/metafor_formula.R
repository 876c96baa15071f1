# Golden values for formula moderators, btt, model comparison and linear hypotheses (issue 12, item 12), from R
# metafor. Oracle only: the tests read the JSON and the CSV files this script writes.
#
# Regenerate from the project root:   Rscript tests/golden/metafor_formula.R
# (after metafor_inputs.R, whose cells.csv it reuses). Writes tests/golden/metafor_formula.json with the R, metafor
# and metadat versions and the collation locale (C.UTF-8: R 4.2 with ICU), and tests/golden/metafor_cli/*.csv.
# Datasets not used by the other golden files: metadat landenberger2005, bornmann2007, and the synthetic cells.csv.

suppressMessages({
  library(metafor)
  library(jsonlite)
})
source(file.path("tests", "golden", "metafor_helpers.R"))

la <- escalc(measure = "OR", ai = n.cbt.non, bi = n.cbt.rec, ci = n.ctrl.non, di = n.ctrl.rec,
             data = dat.landenberger2005)
la_file <- put_csv(as.data.frame(la)[, c("study", "setting", "design", "group", "program", "length", "hrs_total",
                                         "age", "yi", "vi")], "landenberger2005.csv")
bo <- escalc(measure = "OR", ai = waward, bi = wtotal - waward, ci = maward, di = mtotal - maward,
             data = dat.bornmann2007)
bo_file <- put_csv(as.data.frame(bo)[, c("study", "obs", "doctype", "gender", "year", "country", "type",
                                         "discipline", "yi", "vi")], "bornmann2007.csv")
cells_file <- file.path("metafor_cli", "cells.csv")
cells <- read.csv(file.path(dir, cells_file), na.strings = c("NA", ""), stringsAsFactors = FALSE)
data_of <- list()
data_of[[la_file]] <- la
data_of[[bo_file]] <- bo
data_of[[cells_file]] <- cells

cases <- list()
specs <- list(
  list(la_file, "setting*design + I(length^2)"), list(la_file, "log(hrs_total) + group"),
  list(la_file, "age + group"), list(la_file, "length*group - group"), list(la_file, "design:length"),
  list(bo_file, "type + discipline"), list(bo_file, "doctype*gender"), list(bo_file, "I(year - 2000) + I((year - 2000)^2) + country"),
  list(bo_file, "0 + type + gender"), list(cells_file, "source*dose + I(dose^2)"),
  list(cells_file, "0 + source + route"), list(cells_file, "route:dose"), list(cells_file, "log(dose) + route"),
  list(cells_file, "(source + route)^2"), list(cells_file, "factor(route) + I(dose > 6)")
)
for (spec in specs) for (m in c("REML", "ML", "DL")) for (tt in c("z", "knha")) {
  d <- data_of[[spec[[1]]]]
  res <- suppressWarnings(rma(yi, vi, mods = as.formula(paste("~", spec[[2]])), data = d, method = m, test = tt,
                              control = ctl))
  cases[[length(cases) + 1]] <- list(file = spec[[1]], mods = spec[[2]], method = m, test = tt,
                                     result = fit_summary(res))
}

# btt: positions and name patterns (metafor greps the coefficient names)
btt_cases <- list()
for (spec in list(list(la_file, "setting*design + I(length^2)", "design"), list(la_file, "setting*design", "2:3"),
                  list(bo_file, "type + discipline", "discipline"), list(cells_file, "source*dose", "dose"),
                  list(cells_file, "source + route + dose", "4,5")))
  for (tt in c("z", "knha")) {
    d <- data_of[[spec[[1]]]]
    b <- spec[[3]]
    btt <- if (grepl("^[0-9:,]+$", b)) eval(parse(text = paste0("c(", b, ")"))) else b
    res <- rma(yi, vi, mods = as.formula(paste("~", spec[[2]])), data = d, method = "REML", test = tt, btt = btt,
               control = ctl)
    btt_cases[[length(btt_cases) + 1]] <- list(file = spec[[1]], mods = spec[[2]], btt = b, test = tt,
                                               result = fit_summary(res))
  }

# likelihood-ratio tests: ML fits with different fixed effects, REML fits with the same fixed effects (RE vs FE)
anova_cases <- list()
for (spec in list(list(la_file, "setting*design", "setting + design"), list(la_file, "setting + design", "1"),
                  list(bo_file, "type + discipline", "type"), list(bo_file, "doctype*gender", "doctype"),
                  list(cells_file, "source*dose + I(dose^2)", "source"), list(cells_file, "source + route", "route"))) {
  d <- data_of[[spec[[1]]]]
  vars <- unique(c(all.vars(as.formula(paste("~", spec[[2]]))), all.vars(as.formula(paste("~", spec[[3]])))))
  d <- d[complete.cases(as.data.frame(d)[, vars, drop = FALSE]), ]  # both models on the same rows
  full <- rma(yi, vi, mods = as.formula(paste("~", spec[[2]])), data = d, method = "ML", control = ctl)
  red <- rma(yi, vi, mods = as.formula(paste("~", spec[[3]])), data = d, method = "ML", control = ctl)
  a <- anova(full, red)
  anova_cases[[length(anova_cases) + 1]] <- list(
    file = spec[[1]], full = spec[[2]], reduced = spec[[3]], method = "ML",
    full_stats = num(a$fit.stats.f), reduced_stats = num(a$fit.stats.r), parms = num(c(a$parms.f, a$parms.r)),
    LRT = num(a$LRT), pval = num(a$pval), QE = num(c(a$QE.f, a$QE.r)), tau2 = num(c(a$tau2.f, a$tau2.r)),
    R2 = if (is.null(a$R2)) NULL else num(a$R2))
  re <- rma(yi, vi, mods = as.formula(paste("~", spec[[2]])), data = d, method = "REML", control = ctl)
  fe <- rma(yi, vi, mods = as.formula(paste("~", spec[[2]])), data = d, method = "FE", control = ctl)
  a <- anova(re, fe)
  anova_cases[[length(anova_cases) + 1]] <- list(
    file = spec[[1]], full = spec[[2]], reduced = spec[[2]], method = "REML", reduced_method = "FE",
    full_stats = num(a$fit.stats.f), reduced_stats = num(a$fit.stats.r), parms = num(c(a$parms.f, a$parms.r)),
    LRT = num(a$LRT), pval = num(a$pval), QE = num(c(a$QE.f, a$QE.r)), tau2 = num(c(a$tau2.f, a$tau2.r)),
    R2 = NULL)
}

# linear hypotheses: anova(fit, X = L)
contrast_cases <- list()
for (spec in list(list(la_file, "setting + design", c("designnonequiv - designrct", "settingprison"),
                       rbind(c(0, 0, 1, -1), c(0, 1, 0, 0))),
                  list(cells_file, "source + route + dose", c("sourcebmMSC - sourceUC-MSC", "intrcpt + 6*dose"),
                       rbind(c(0, 1, -1, 0, 0, 0), c(1, 0, 0, 0, 0, 6))),
                  list(bo_file, "type + discipline", c("disciplineMultidisciplinary - disciplinePhysical Sciences"),
                       rbind(c(0, 0, 1, -1, 0)))))
  for (tt in c("z", "knha")) {
    d <- data_of[[spec[[1]]]]
    res <- rma(yi, vi, mods = as.formula(paste("~", spec[[2]])), data = d, method = "REML", test = tt,
               control = ctl)
    a <- anova(res, X = spec[[4]])
    contrast_cases[[length(contrast_cases) + 1]] <- list(
      file = spec[[1]], mods = spec[[2]], test = tt, hypotheses = spec[[3]], terms = rownames(res$beta),
      estimate = num(a$Xb), se = num(a$se), stat = num(a$zval), pval = num(a$pval), QM = num(a$QM),
      QMp = num(a$QMp), QMdf = num(a$QMdf))
  }

golden <- list(
  versions = versions(),
  formula = cases, btt = btt_cases, anova = anova_cases, contrasts = contrast_cases
)
write_json(golden, file.path(dir, "metafor_formula.json"), digits = NA, auto_unbox = TRUE, null = "null",
           na = "null", pretty = FALSE)
cat("wrote", length(cases), "formula,", length(btt_cases), "btt,", length(anova_cases), "anova,",
    length(contrast_cases), "contrast cases\n")
