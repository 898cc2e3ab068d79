/* cli_util.h -- helpers for tests that run the mxsim binary as a user does, and
 * compare its messages exactly. Included by tests/test_*.c only. */
#ifndef MXSIM_TEST_CLI_UTIL_H
#define MXSIM_TEST_CLI_UTIL_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "mx.h"

/* Runs a shell command; returns its exit code, and its stderr (at most 2047 bytes)
 * in err_out if not NULL (which must hold 2048). stdout is discarded. */
static inline int sh(const char *cmd, char *err_out)
{
    char full[4096], path[] = "/tmp/mxsim-cli-stderr-XXXXXX";
    int fd = mkstemp(path); /* tests run in parallel processes: one file each */
    cr_assert(fd >= 0);
    close(fd);
    snprintf(full, sizeof full, "( %s ) 2>%s >/dev/null", cmd, path);
    int st = system(full);
    if (err_out) {
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(err_out, 1, 2047, f) : 0;
        err_out[n] = '\0';
        if (f)
            fclose(f);
    }
    unlink(path);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A file's text (at most 1 MiB), malloc'd. */
static inline char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strdup(buf);
}

/* Writes text to a temporary file; returns its path (static buffer). */
static inline const char *write_tmp(const char *text)
{
    static char path[64];
    strcpy(path, "/tmp/mxsim-scen-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

/* Starts mxsim with argv (argv[0] is "mxsim"), its output to /dev/null, and
 * waits `ms` milliseconds for it to get going; returns its pid. */
static inline pid_t start_quiet(char *const argv[], long ms)
{
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1), dup2(fd, 2);
        execv(MXSIM_BINARY, argv);
        _exit(127);
    }
    struct timespec wait = {ms / 1000, ms % 1000 * 1000000};
    nanosleep(&wait, NULL);
    return pid;
}

/* Sends sig to pid and reaps it; its exit code, or -1 if a signal ended it. */
static inline int stop_with(pid_t pid, int sig)
{
    int st;
    kill(pid, sig);
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* err formatted as one line, with the temporary scenario path replaced by "S"
 * so that messages can be compared exactly. */
static inline void err_as_s(const struct mx_err *err, const char *path, char *msg)
{
    char buf[600];
    mx_err_format(err, buf, sizeof buf);
    const char *rest = strncmp(buf, path, strlen(path)) == 0 ? buf + strlen(path) : buf;
    sprintf(msg, "S%s", rest);
}

#endif
