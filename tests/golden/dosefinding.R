# Oracle values for painregen.dose from R's DoseFinding (used as a black box; no code is copied).
# Regenerate:  Rscript tests/golden/dosefinding.R   (writes tests/golden/dosefinding.json)
# Multivariate t/normal probabilities use tight mvtnorm settings so R's own Monte-Carlo error is small.
suppressPackageStartupMessages({library(DoseFinding); library(jsonlite); library(nlme)})
ctrl <- mvtnorm.control(maxpts = 1e6, abseps = 1e-5)
ctrl_ss <- mvtnorm.control(maxpts = 1e5, abseps = 1e-4)  # sample-size search: many power calls; integer answer
step <- function(what) message(format(Sys.time(), "%H:%M:%S"), " ", what)
out <- list(meta = list(R = R.version.string, DoseFinding = as.character(packageVersion("DoseFinding")),
                        mvtnorm = as.character(packageVersion("mvtnorm")), mvtnorm_control = list(maxpts = 1e6, abseps = 1e-5),
                        mvtnorm_control_sampsize = list(maxpts = 1e5, abseps = 1e-4)))
here <- function() { a <- commandArgs(FALSE); f <- sub("--file=", "", a[grep("--file=", a)]); if (length(f)) dirname(f) else "." }

# painregen SPEC -> DoseFinding Mods call ------------------------------------------------------------
spec_to_list <- function(spec) {
  items <- trimws(strsplit(spec, ",")[[1]]); res <- list()
  for (it in items) {
    parts <- strsplit(it, ":")[[1]]; nm <- parts[1]
    val <- if (length(parts) > 1) as.numeric(strsplit(parts[2], "/")[[1]]) else NULL
    if (is.null(res[[nm]])) res[[nm]] <- if (is.null(val)) NULL else matrix(val, nrow = 1)
    else res[[nm]] <- rbind(res[[nm]], val)
    if (is.null(val)) res[nm] <- list(NULL)
  }
  lapply(res, function(v) if (is.matrix(v) && nrow(v) == 1) as.numeric(v) else v)
}
make_mods <- function(spec, doses, placEff = 0, maxEff = NULL, scal = NULL, off = NULL, direction = "increasing") {
  args <- spec_to_list(spec); args$doses <- doses; args$placEff <- placEff; args$direction <- direction
  if (!is.null(maxEff)) args$maxEff <- maxEff
  aa <- list(); if (!is.null(scal)) aa$scal <- scal; if (!is.null(off)) aa$off <- off
  if (length(aa)) args$addArgs <- aa
  do.call(Mods, args)
}
parlist <- function(m) { p <- attr(getResp(m), "parList"); lapply(p, function(v) as.list(v[names(v) != ""])) }

# Mods ------------------------------------------------------------------------------------------------
mods_cases <- list(
  list(id = "standard", spec = "linear,linlog,emax:25,emax:100,quadratic:-0.005,logistic:50/10.88111,exponential:85,betaMod:0.33/2.31,betaMod:1.39/1.39,sigEmax:30/3",
       doses = c(0, 10, 25, 50, 100, 150), placEff = 1, maxEff = 0.4, scal = 200),
  list(id = "quad_beyond", spec = "quadratic:-0.002,exponential:0.5", doses = c(0, 10, 20, 150), placEff = 0, maxEff = 1),
  list(id = "unit_doses", spec = "linear,linlog,emax:0.05,emax:0.3,exponential:0.7,quadratic:-0.85,logistic:0.4/0.09,logistic:0.3/0.1,betaMod:0.3/1.3,sigEmax:0.5/2",
       doses = c(0, 0.05, 0.2, 0.6, 1), placEff = 0, maxEff = 1, scal = 1.2, off = 0.1),
  list(id = "decreasing", spec = "linear,emax:25,logistic:50/10.88111,exponential:85,betaMod:0.33/2.31,betaMod:1.39/1.39",
       doses = c(0, 10, 25, 50, 100, 150), placEff = 0.5, maxEff = -0.4, scal = 200))
out$mods <- lapply(mods_cases, function(cs) {
  m <- make_mods(cs$spec, cs$doses, cs$placEff, cs$maxEff, cs$scal, cs$off)
  c(cs, list(coefs = parlist(m), resp = unname(getResp(m)), td = as.list(TD(m, Delta = 0.3 * abs(cs$maxEff), direction = ifelse(cs$maxEff > 0, "increasing", "decreasing"))),
             ed50 = as.list(ED(m, p = 0.5)), ed90 = as.list(ED(m, p = 0.9))))
})

step("guesst")
# guesst ----------------------------------------------------------------------------------------------
g <- function(id, model, d, p, ...) { v <- guesst(d = d, p = p, model = model, ...); list(id = id, model = model, d = d, p = p, args = list(...), value = unname(v)) }
out$guesst <- list(
  g("emax", "emax", 0.3, 0.8), g("emax_local", "emax", 0.3, 0.8, local = TRUE, Maxd = 1),
  g("emax_multi", "emax", c(0.2, 0.4), c(0.3, 0.6)),
  g("logistic", "logistic", c(0.2, 0.6), c(0.2, 0.95)), g("logistic_local", "logistic", c(0.2, 0.6), c(0.2, 0.95), local = TRUE, Maxd = 1),
  g("sigEmax", "sigEmax", c(0.2, 0.6), c(0.2, 0.95)), g("sigEmax_local", "sigEmax", c(0.2, 0.6), c(0.2, 0.95), local = TRUE, Maxd = 1),
  g("sigEmax_3", "sigEmax", c(0.2, 0.4, 0.7), c(0.2, 0.5, 0.9)),
  g("betaMod", "betaMod", 0.4, 0.8, dMax = 0.8, scal = 1.2, Maxd = 1),
  g("quadratic_peak", "quadratic", 0.7, 1), g("quadratic_less", "quadratic", 0.3, 0.8), g("quadratic_more", "quadratic", 0.3, 0.8, less = FALSE),
  g("exponential", "exponential", 0.8, 0.5, Maxd = 1))

step("optContr")
# optContr --------------------------------------------------------------------------------------------
std6 <- "linear,emax:25,logistic:50/10.88111,exponential:85,betaMod:0.33/2.31,betaMod:1.39/1.39"
m6 <- make_mods(std6, c(0, 10, 25, 50, 100, 150), scal = 200)
S_full <- 0.1 * (diag(6) + 0.3 * outer(1:6, 1:6, function(i, j) 0.5^abs(i - j)))
out$optcontr <- list(
  list(id = "weights", spec = std6, doses = c(0, 10, 25, 50, 100, 150), scal = 200, w = c(10, 12, 8, 9, 10, 11),
       contMat = unname(optContr(m6, w = c(10, 12, 8, 9, 10, 11))$contMat)),
  list(id = "full_S", spec = std6, doses = c(0, 10, 25, 50, 100, 150), scal = 200, S = S_full,
       contMat = unname(optContr(m6, S = S_full)$contMat)))

step("data sets")
# data sets -------------------------------------------------------------------------------------------
data(biom); data(IBScovars); data(glycobrom); data(neurodeg)
fm <- lme(resp ~ as.factor(dose):time, neurodeg, ~time | id, method = "ML")
datasets <- list(
  biom = list(type = "normal", dose = biom$dose, resp = biom$resp),
  ibs = list(type = "normal", dose = IBScovars$dose, resp = IBScovars$resp),
  biom_neg = list(type = "normal", dose = biom$dose, resp = -biom$resp),
  glyco = list(type = "general", dose = glycobrom$dose, resp = glycobrom$fev1, S = diag(glycobrom$sdev^2)),
  neurodeg = list(type = "general", dose = c(0, 1, 3, 10, 30), resp = unname(fixef(fm)[-1]), S = unname(vcov(fm)[-1, -1])))
out$datasets <- datasets

step("MCTtest")
# MCTtest ---------------------------------------------------------------------------------------------
mct_cases <- list(
  list(id = "biom_8", data = "biom", spec = "emax:0.05,linear,logistic:0.5/0.1,quadratic:-0.7,betaMod:1/1,sigEmax:0.3/3,exponential:0.3,linlog"),
  list(id = "biom_2", data = "biom", spec = "emax:0.05,linear"),
  list(id = "biom_2_twosided", data = "biom", spec = "emax:0.05,linear", alternative = "two.sided"),
  list(id = "biom_4_alpha05", data = "biom", spec = "linear,emax:0.05,emax:0.2,quadratic:-0.7", alpha = 0.05),
  list(id = "biom_neg_decreasing", data = "biom_neg", spec = "emax:0.05,linear,quadratic:-0.7", direction = "decreasing"),
  list(id = "ibs", data = "ibs", spec = "emax:0.2,linear,logistic:2/0.5,quadratic:-0.2"),
  list(id = "glyco", data = "glyco", spec = "emax:10,sigEmax:20/3,quadratic:-0.008,linear,exponential:50"),
  list(id = "neurodeg", data = "neurodeg", spec = "emax:1.11,quadratic:-0.022,exponential:8.867,linear"))
out$mct <- lapply(mct_cases, function(cs) {
  ds <- datasets[[cs$data]]; alpha <- if (is.null(cs$alpha)) 0.025 else cs$alpha
  alt <- if (is.null(cs$alternative)) "one.sided" else cs$alternative
  dirn <- if (is.null(cs$direction)) "increasing" else cs$direction
  m <- make_mods(cs$spec, sort(unique(ds$dose)), direction = dirn)
  r <- if (ds$type == "normal") MCTtest(ds$dose, ds$resp, models = m, alpha = alpha, alternative = alt, critV = TRUE, mvtcontrol = ctrl)
       else MCTtest(ds$dose, ds$resp, models = m, S = ds$S, type = "general", alpha = alpha, alternative = alt, critV = TRUE, mvtcontrol = ctrl)
  step(cs$id)
  c(cs, list(alpha = alpha, alternative = alt, direction = dirn, names = names(r$tStat), tStat = unname(as.numeric(r$tStat)),
             pVal = unname(as.numeric(attr(r$tStat, "pVal"))), critVal = as.numeric(r$critVal), corMat = unname(r$corMat),
             contMat = unname(r$contMat)))
})

step("fitMod, TD, ED")
# fitMod, TD, ED --------------------------------------------------------------------------------------
families <- c("linear", "linlog", "quadratic", "emax", "sigEmax", "exponential", "betaMod", "logistic")
fit_cases <- list(list(data = "biom", delta = 0.3), list(data = "ibs", delta = 0.2), list(data = "glyco", delta = 0.1),
                  list(data = "neurodeg", delta = NULL, models = c("emax", "linear", "quadratic"), bnds = list(emax = c(0.1, 10))))
out$fits <- list()
for (cs in fit_cases) {
  ds <- datasets[[cs$data]]; fams <- if (is.null(cs$models)) families else cs$models
  for (mod in fams) {
    b <- if (!is.null(cs$bnds[[mod]])) cs$bnds[[mod]] else NULL
    f <- suppressMessages(if (ds$type == "normal") {
      if (is.null(b)) fitMod(ds$dose, ds$resp, model = mod) else fitMod(ds$dose, ds$resp, model = mod, bnds = b)
    } else {
      if (is.null(b)) fitMod(ds$dose, ds$resp, model = mod, S = ds$S, type = "general") else fitMod(ds$dose, ds$resp, model = mod, S = ds$S, type = "general", bnds = b)
    })
    crit <- if (ds$type == "normal") f$RSS else f$gRSS
    aic <- if (ds$type == "normal") AIC(f) else gAIC(f)
    rec <- list(id = paste(cs$data, mod, sep = "_"), data = cs$data, model = mod, bounds = b, coefs = as.list(coef(f)),
                rss = crit, aic = aic, df = if (is.finite(f$df)) f$df else NULL, vcov = unname(vcov(f)),
                ed50 = as.numeric(ED(f, p = 0.5)), ed90 = as.numeric(ED(f, p = 0.9)))
    if (!is.null(cs$delta)) { rec$delta <- cs$delta; rec$td <- as.numeric(TD(f, Delta = cs$delta)) }
    out$fits[[length(out$fits) + 1]] <- rec
  }
}

step("MCPMod")
# MCPMod ----------------------------------------------------------------------------------------------
out$mcpmod <- lapply(c("AIC", "maxT", "aveAIC"), function(sel) {
  spec <- "linear,emax:0.05,emax:0.2,quadratic:-0.7"
  m <- make_mods(spec, c(0, 0.05, 0.2, 0.6, 1))
  r <- MCPMod(biom$dose, biom$resp, models = m, Delta = 0.5, selModel = sel, mvtcontrol = ctrl)
  w <- if (sel == "aveAIC") as.list(r$selMod) else NULL
  list(id = paste0("biom_", sel), data = "biom", spec = spec, select = sel, delta = 0.5,
       selected = if (sel == "aveAIC") NULL else r$selMod, weights = w, doseEst = as.list(r$doseEst),
       med = if (sel == "aveAIC") sum(r$doseEst * r$selMod) else as.numeric(r$doseEst[r$selMod]))
})

step("powMCT")
# powMCT ----------------------------------------------------------------------------------------------
doses6 <- c(0, 10, 25, 50, 100, 150)
pm <- function(id, spec, maxEff, n = NULL, sigma = NULL, S = NULL, df = NULL, alpha = 0.025, alternative = "one.sided", w = 1) {
  m <- make_mods(spec, doses6, maxEff = maxEff, scal = 200)
  cm <- optContr(m, w = w)
  p <- if (is.null(S)) powMCT(cm, altModels = m, n = n, sigma = sigma, alpha = alpha, alternative = alternative, control = ctrl)
       else powMCT(cm, altModels = m, S = S, df = if (is.null(df)) Inf else df, alpha = alpha, alternative = alternative, control = ctrl)
  step(id)
  list(id = id, spec = spec, doses = doses6, scal = 200, maxEff = maxEff, n = n, sigma = sigma, S = S, df = df, alpha = alpha,
       alternative = alternative, w = w, names = names(p), power = unname(as.numeric(p)))
}
out$powmct <- list(
  pm("std_n50", std6, 0.4, n = 50, sigma = 1, alpha = 0.05),
  pm("std_n10", std6, 0.4, n = 10, sigma = 1, alpha = 0.05),
  pm("std_unbalanced", std6, 0.4, n = c(10, 5, 5, 5, 5, 10), sigma = 1),
  pm("std_S", std6, 0.4, S = diag(6) / 20),
  pm("three_twosided", "linear,emax:25,logistic:50/10.88111", 0.4, n = 10, sigma = 1, alpha = 0.05, alternative = "two.sided"),
  pm("rodent_n8", "linear,emax:25,sigEmax:40/4,quadratic:-0.005", 1.2, n = 8, sigma = 1))

step("sampSizeMCT")
# sampSizeMCT -----------------------------------------------------------------------------------------
ss <- function(id, upperN, alRatio, Ntype = "arm") {
  m <- make_mods(std6, doses6, maxEff = 0.4, scal = 200); cm <- optContr(m, w = 1)
  r <- sampSizeMCT(upperN = upperN, contMat = cm, sigma = 1, altModels = m, power = 0.8, alRatio = alRatio, alpha = 0.05, Ntype = Ntype, control = ctrl_ss)
  step(id)
  list(id = id, spec = std6, doses = doses6, scal = 200, maxEff = 0.4, sigma = 1, power = 0.8, alpha = 0.05, upperN = upperN,
       alRatio = alRatio, Ntype = Ntype, samp_size = r$samp.size, target = r$target)
}
out$sampsize <- list(ss("arm", 80, rep(1, 6)), ss("arm_raised", 20, rep(1, 6)), ss("ratio", 30, c(1.5, 1, 1, 1, 1, 1)), ss("total", 500, rep(1, 6), "total"))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = FALSE), file.path(here(), "dosefinding.json"))
cat("wrote", file.path(here(), "dosefinding.json"), "\n")
