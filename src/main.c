/* SPDX-License-Identifier: MIT */
/*
 * main.c: igmcp's entry point.  Process-wide set-up (signals, curl's global
 * state, logging), then one subcommand.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "graph/graph.h"

int
main(int argc, char **argv)
{
  const char *cmd;
  int rc;

  signal(SIGPIPE, SIG_IGN);
  log_init(LOG_WARNING);
  if (argc < 2) {
    cli_usage(stderr);
    return 2;
  }
  cmd = argv[1];
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    printf("igmcp %s\n", IGMCP_VERSION);
    return 0;
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
      strcmp(cmd, "help") == 0) {
    cli_usage(stdout);
    return 0;
  }
  graph_global_init();
  if (strcmp(cmd, "serve") == 0)
    rc = cli_serve(argc - 1, argv + 1);
  else if (strcmp(cmd, "sandbox") == 0)
    rc = cli_sandbox(argc - 1, argv + 1);
  else if (strcmp(cmd, "tools") == 0)
    rc = cli_tools(argc - 1, argv + 1);
  else if (strcmp(cmd, "call") == 0)
    rc = cli_call(argc - 1, argv + 1);
  else if (strcmp(cmd, "sync") == 0)
    rc = cli_sync(argc - 1, argv + 1);
  else if (strcmp(cmd, "login") == 0)
    rc = cli_login(argc - 1, argv + 1);
  else if (strcmp(cmd, "doctor") == 0)
    rc = cli_doctor(argc - 1, argv + 1);
  else {
    fprintf(stderr, "igmcp: unknown command \"%s\"; try 'igmcp --help'\n",
            cmd);
    rc = 2;
  }
  graph_global_cleanup();
  log_clear_secrets();
  return rc;
}
