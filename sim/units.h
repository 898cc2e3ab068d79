/* units.h -- durations and rates as scenarios write them (PRODUCT.md).
 * Durations use Postfix's units: ms, s, m, h, d, w; a bare number is seconds.
 * Decimals are allowed ("1.5h"); the result is rounded to whole nanoseconds.
 * Rates are N/s, N/m, N/h or N/d.
 * These functions fill only err->msg; the caller adds file, line and key. */
#ifndef MXSIM_UNITS_H
#define MXSIM_UNITS_H

#include <stddef.h>

#include "mx.h"

/* Highest arrival rate a scenario may ask for. Past it a run would take hours per
 * simulated second; see docs/scenario.md. */
#define UNITS_RATE_MAX_PER_S 1e7

int units_parse_duration(const char *s, mx_time *out, struct mx_err *err);
int units_parse_rate(const char *s, double *per_s, struct mx_err *err);
/* A non-negative decimal number, all of s. */
int units_parse_number(const char *s, double *out, struct mx_err *err);
/* A whole number in [lo, hi], all of s. */
int units_parse_int(const char *s, long lo, long hi, long *out, struct mx_err *err);
/* yes/no (also true/false, on/off, 1/0) */
int units_parse_bool(const char *s, int *out, struct mx_err *err);

#endif
