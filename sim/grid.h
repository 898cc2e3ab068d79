/* grid.h -- a sweep's parameter grid: the ${...} expressions in a scenario's values.
 *   ${50, 100, 200}          a list: the key takes each value in turn
 *   ${1..10 step 3}          a range (OMNeT++ style): 1, 4, 7, 10; units may follow
 *                            each number (${10s..30s step 10s})
 *   ${n = 2, 3, 4}           a named variable; $n or ${n} elsewhere takes its value
 * Every ${list} or ${range} is one variable of the grid; the grid is their cartesian
 * product, with the first variable (in file order, --set ones after) varying
 * slowest. A $NAME that is not a variable is left alone: Postfix's own $parameter
 * defaults look the same.
 * Owns:   the variables and their value texts (grid_free).
 * Knows nothing of sections or keys: scen feeds it value strings in file order and
 * puts the expanded text back; errors carry the byte offset into the value. */
#ifndef MXSIM_GRID_H
#define MXSIM_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "mx.h"

#define GRID_MAX_VALUES 100000   /* per variable */
#define GRID_MAX_POINTS 1000000  /* in the whole grid */

struct grid_var {
    char *name;     /* ${n = ...}: "n"; NULL for an unnamed list or range */
    char *column;   /* its column in summary.csv and points.csv */
    char **value;   /* as written (lists) or as generated (ranges) */
    size_t n_value;
};

struct grid {
    struct grid_var *var;
    size_t n_var;
    uint64_t n_points; /* product of the n_value; 1 without variables */
};

/* Finds the variables defined in value (lists, ranges, named ones) and adds them to
 * g in order. column names an unnamed one. On bad syntax fills err->msg and sets
 * *at to the byte offset in value where the problem is. */
int grid_scan(struct grid *g, const char *value, const char *column, size_t *at,
              struct mx_err *err);

/* After every value was scanned: the number of points, checked against
 * GRID_MAX_POINTS; makes the columns unique. */
int grid_seal(struct grid *g, struct mx_err *err);

/* value with every expression replaced by its value at point: ${...} definitions
 * in the order grid_scan met them (*next counts them across calls; start it at 0),
 * references by their variable's value. A ${name} that is no variable is an error
 * (with *at); $name is left as it is. Returns a malloc'd string or NULL (err). */
char *grid_expand(const struct grid *g, const char *value, size_t *next, uint64_t point,
                  size_t *at, struct mx_err *err);

/* Variable v's value at point. */
const char *grid_value(const struct grid *g, size_t v, uint64_t point);

void grid_free(struct grid *g);

#endif
