/* merge.h -- joins the output directories of a sweep's shards into what the
 * unsharded sweep writes, byte for byte: summary.csv, servers.csv, points.csv,
 * manifest.ini and scenario.ini.
 * Refuses (MX_EINPUT, saying which) directories of different sweeps, overlapping
 * or missing shards, shards with failed runs, and files cut short.
 * Owns:   the merged output files; writes all or none. */
#ifndef MXSIM_MERGE_H
#define MXSIM_MERGE_H

#include <stddef.h>

#include "mx.h"

int merge_dirs(const char *const *dirs, size_t n, const char *out_dir, struct mx_err *err);

#endif
