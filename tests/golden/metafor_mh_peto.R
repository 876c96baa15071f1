# Golden values for the Mantel-Haenszel and Peto methods (issue 12 item 15), from R metafor's rma.mh and rma.peto.
# Oracle only; the Python tests read the JSON (tests/golden/test_meta_golden_mh_peto.py).
#
# Regenerate from the project root:   Rscript tests/golden/metafor_mh_peto.R
# Writes tests/golden/metafor_mh_peto.json with the R, metafor and metadat versions.
#
# Datasets (metadat; rare events with zero cells; none is used by the other golden scripts):
# - dat.nielweise2007: catheter-related bloodstream infections, 18 trials, five with a zero cell and one with no
#   events in either group (Yucel 2004).
# - dat.li2007: magnesium in myocardial infarction, 22 trials, two with a zero cell.
# - dat.lee2004: acupoint stimulation and postoperative nausea, 16 trials, no zero cell.
# - dat.yusuf1985: beta blockers after myocardial infarction; the trials of tables 6, 9 and 12a, each its own
#   meta-analysis (several small trials with zero deaths).
# - dat.collins1985a: diuretics in pregnancy, pre-eclampsia deaths (d.xti / d.xci; many zero cells, double zeros
#   and missing counts).
# Every case is computed with the defaults (add = 1/2, to = "only0", drop00 = TRUE, correct = TRUE) and some with
# other zero-cell options (two-valued add/to/drop00 that also adjust the pooled counts, to = "all" / "if0all" /
# "none", correct = FALSE, level = 90).

suppressMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})

out_path <- file.path("tests", "golden", "metafor_mh_peto.json")
num <- function(x) if (is.null(x)) NULL else as.numeric(x)

ys <- dat.yusuf1985
cl <- dat.collins1985a
data <- list(
  nielweise2007 = dat.nielweise2007[c("ai", "n1i", "ci", "n2i")],
  li2007 = dat.li2007[c("ai", "n1i", "ci", "n2i")],
  lee2004 = dat.lee2004[c("ai", "n1i", "ci", "n2i")],
  yusuf1985_6 = ys[ys$table == "6", c("ai", "n1i", "ci", "n2i")],
  yusuf1985_9 = ys[ys$table == "9", c("ai", "n1i", "ci", "n2i")],
  yusuf1985_12a = ys[ys$table == "12a", c("ai", "n1i", "ci", "n2i")],
  collins1985a = data.frame(ai = cl$d.xti, n1i = cl$nti, ci = cl$d.xci, n2i = cl$nci)
)

summ <- function(r, method) {
  o <- list(k = r$k, k_yi = r$k.yi, b = num(r$beta), se = num(r$se), zval = num(r$zval), pval = num(r$pval),
            ci_lb = num(r$ci.lb), ci_ub = num(r$ci.ub), QE = num(r$QE), QEp = num(r$QEp), I2 = num(r$I2),
            H2 = num(r$H2), yi = num(r$yi), vi = num(r$vi))
  if (method == "MH" && !is.null(r$MH)) {
    o$MH <- num(r$MH)
    o$MHp <- num(r$MHp)
  }
  if (method == "MH" && !is.null(r$TA)) {
    o$TA <- num(r$TA)
    o$TAp <- num(r$TAp)
  }
  o
}

opts_default <- list(add = 1 / 2, to = "only0", drop00 = TRUE, correct = TRUE, level = 95)
variants <- list(
  default = opts_default,
  nocorrect = modifyList(opts_default, list(correct = FALSE)),
  both_adjusted = modifyList(opts_default, list(add = c(1 / 2, 1 / 2), to = c("only0", "only0"),
                                                drop00 = c(TRUE, TRUE))),
  to_all = modifyList(opts_default, list(to = "all")),
  if0all_keep00 = modifyList(opts_default, list(to = "if0all", drop00 = FALSE)),
  none_level90 = modifyList(opts_default, list(to = "none", level = 90))
)
plan <- list(
  list(ds = "nielweise2007", measures = c("OR", "RR", "RD"), variants = names(variants)),
  list(ds = "li2007", measures = c("OR", "RR", "RD"), variants = c("default", "both_adjusted")),
  list(ds = "lee2004", measures = c("OR", "RR", "RD"), variants = c("default", "nocorrect")),
  list(ds = "yusuf1985_6", measures = c("OR", "RR", "RD"), variants = "default"),
  list(ds = "yusuf1985_9", measures = c("OR", "RR"), variants = c("default", "both_adjusted")),
  list(ds = "yusuf1985_12a", measures = "OR", variants = "default"),
  list(ds = "collins1985a", measures = c("OR", "RR", "RD"), variants = c("default", "both_adjusted", "to_all"))
)

cases <- list()
for (pl in plan) {
  d <- data[[pl$ds]]
  for (vn in pl$variants) {
    o <- variants[[vn]]
    for (m in pl$measures) {
      r <- rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, measure = m, add = o$add, to = o$to,
                  drop00 = o$drop00, correct = o$correct, level = o$level)
      cases[[length(cases) + 1]] <- c(list(dataset = pl$ds, method = "MH", measure = m, variant = vn,
                                           options = o), summ(r, "MH"))
    }
    if ("OR" %in% pl$measures) {
      r <- rma.peto(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, add = o$add, to = o$to, drop00 = o$drop00,
                    level = o$level)
      cases[[length(cases) + 1]] <- c(list(dataset = pl$ds, method = "PETO", measure = "OR", variant = vn,
                                           options = o), summ(r, "PETO"))
    }
  }
}

out <- list(
  versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                  metadat = as.character(packageVersion("metadat")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  datasets = lapply(data, as.list),
  cases = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = FALSE, null = "null", na = "null"), out_path)
cat("wrote", out_path, ":", length(cases), "cases\n")
