/* SPDX-License-Identifier: MIT */
/* cli.h: the subcommands of igmcp.  Each returns the process exit code. */
#ifndef IGMCP_CLI_H
#define IGMCP_CLI_H

#include <stdio.h>

#include <jansson.h>

int cli_serve(int argc, char **argv);
int cli_sandbox(int argc, char **argv);
int cli_tools(int argc, char **argv);
int cli_call(int argc, char **argv);
int cli_sync(int argc, char **argv);
int cli_login(int argc, char **argv);
int cli_doctor(int argc, char **argv);
void cli_usage(FILE *out);

/* Runs the tool name with args as `igmcp call` does, argv holding only
 * the common options (argv[0] is the command).  progress and cancel may be
 * NULL.  *structured gets the result's structuredContent (new, or NULL).
 * Returns the exit code (0, 1 tool or start-up failure, 2 usage). */
int cli_run_tool(int argc, char **argv, const char *name, json_t *args,
                 void (*progress)(void *, double, double, const char *),
                 const volatile int *cancel, json_t **structured);

#endif
