/* SPDX-License-Identifier: MIT */
/* cli.h: the subcommands of igmcp.  Each returns the process exit code. */
#ifndef IGMCP_CLI_H
#define IGMCP_CLI_H

#include <stdio.h>

int cli_serve(int argc, char **argv);
int cli_sandbox(int argc, char **argv);
int cli_tools(int argc, char **argv);
int cli_call(int argc, char **argv);
void cli_usage(FILE *out);

#endif
