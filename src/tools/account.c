/* SPDX-License-Identifier: MIT */
/*
 * account.c: the account toolset: the account, linked Pages, discovery, tokens.  No tools yet.
 */
#include "tools/tool.h"

const struct toolset account_toolset = {
  .name = "account",
  .description = "Account: profile, linked Pages, business discovery, tokens, app.",
  .tools = NULL,
  .ntools = 0,
};
