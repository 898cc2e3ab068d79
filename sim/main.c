/* main.c -- the only exit(). */
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "cli.h"

int main(int argc, char **argv)
{
    gsl_set_error_handler_off(); /* GSL's default handler aborts; we check returns */
    exit(cli_main(argc, argv));
}
