# Reference values for tests/indicators/test_integration.py: migrant-native gaps in the EU-SILC
# public-use file (simPop's synthetic eusilc13puf, Austria) with R survey's svyby + svycontrast.
# Run from the checkout:  Rscript tests/indicators/data/integration_reference.R ../shared/data
# Writes integration_reference.csv beside this script. The tests never need R.
args <- commandArgs(trailingOnly = TRUE)
mirror <- if (length(args)) args[1] else "../shared/data"
suppressMessages(library(survey))
load(file.path(mirror, "microdata", "eusilc13puf.rda"))
d <- eusilc13puf
age <- as.integer(as.character(d$age))
status <- as.character(d$pl031)
edu <- as.character(d$pe040)
cit <- as.character(d$pb220a)
d$group <- ifelse(cit %in% c("EU", "Other"), "migrant", ifelse(cit %in% "AT", "native", NA))
d$EMP <- ifelse(age >= 20 & age <= 64 & !is.na(status), as.numeric(status %in% c("1", "2")), NA)
d$TERTIARY <- ifelse(age >= 25 & age <= 64 & !is.na(edu), as.numeric(edu %in% c("5", "6")), NA)
d$EQ_INCOME <- d$eqInc
o <- order(d$eqInc); cw <- cumsum(d$rb050[o])
median_w <- d$eqInc[o][which(cw >= cw[length(cw)] / 2)[1]]   # smallest value reaching half the weight
d$AROP <- as.numeric(d$eqInc < 0.6 * median_w)
d$sex <- ifelse(as.character(d$rb090) == "male", "M", "F")
d$edu3 <- ifelse(edu %in% c("0", "1", "2"), "ISCED0T2", ifelse(edu %in% c("3", "4"), "ISCED3T4",
                 ifelse(edu %in% c("5", "6"), "ISCED5T6", NA)))
d$all <- "_T"
d$agegrp <- ifelse(age >= 16 & age <= 29, "Y16T29", "other")
des <- svydesign(ids = ~db030, strata = ~db040, weights = ~rb050, data = d, nest = TRUE)
one <- function(measure, within, label) {
  f <- as.formula(paste0("~", measure))
  keep <- !is.na(d$group) & !is.na(d[[measure]]) & within(d)
  sub <- subset(des, keep)   # domain estimation: subset() keeps every PSU and stratum of the design
  by <- svyby(f, ~group, sub, svymean, covmat = TRUE)
  con <- svycontrast(by, c(migrant = 1, native = -1))
  est <- coef(by); se <- SE(by); names(se) <- names(est)
  data.frame(measure = measure, breakdown = label, migrants = est[["migrant"]],
             natives = est[["native"]], gap = coef(con)[[1]], se_gap = SE(con)[[1]],
             se_migrants = se[["migrant"]], se_natives = se[["native"]], df = degf(des))
}
cases <- rbind(
  one("EMP", function(d2) rep(TRUE, nrow(d2)), "_T"),
  one("TERTIARY", function(d2) d2$agegrp == "Y16T29", "age Y16T29"),
  one("EQ_INCOME", function(d2) d2$sex == "F", "sex F"),
  one("AROP", function(d2) rep(TRUE, nrow(d2)), "_T"),
  one("EMP", function(d2) d2$edu3 %in% "ISCED5T6", "education ISCED5T6")
)
cases$arop_threshold <- 0.6 * median_w
out <- file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))),
                 "integration_reference.csv")
writeLines(c(paste0("# R ", R.version$major, ".", R.version$minor, ", survey ", packageVersion("survey"),
                    "; script integration_reference.R; mirror file microdata/eusilc13puf.rda")), out)
suppressWarnings(write.table(format(cases, digits = 15), out, sep = ",", row.names = FALSE, append = TRUE,
                             quote = TRUE))
