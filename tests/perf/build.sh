# tests/perf/build.sh -- sourced by callgrind-guard.sh and memcheck.sh: builds the
# plain (no sanitizer) RelWithDebInfo mxsim they run under valgrind, in $BUILD,
# from the work tree or, with REV set, from that git revision exported to
# $BUILD-src. Needs ROOT, BUILD and a die function; sets SRC.
command -v valgrind >/dev/null || die "valgrind not found (apt-get install valgrind)"
if [ -f "$BUILD/CMakeCache.txt" ] && grep -q '^MXSIM_CI:BOOL=ON' "$BUILD/CMakeCache.txt"; then
    die "$BUILD is a sanitizer (MXSIM_CI) build; use another BUILD dir"
fi
SRC=$ROOT
if [ -n "${REV:-}" ]; then
    SRC=$BUILD-src
    rm -rf "$SRC" && mkdir -p "$SRC"
    git -C "$ROOT" archive "$REV" | tar -x -C "$SRC"
    # a tree from another source dir needs its own build dir
    if [ -f "$BUILD/CMakeCache.txt" ] && ! grep -q "^CMAKE_HOME_DIRECTORY:INTERNAL=$SRC\$" \
        "$BUILD/CMakeCache.txt"; then
        die "$BUILD was configured for another source tree; use BUILD=another-dir with REV"
    fi
fi
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMXSIM_CI=OFF \
    -DBUILD_TESTING=OFF >/dev/null
cmake --build "$BUILD" --target mxsim -j"$(nproc)" >/dev/null
if grep -q -- '-fsanitize' "$BUILD/CMakeCache.txt"; then
    die "$BUILD has sanitizer flags"
fi
