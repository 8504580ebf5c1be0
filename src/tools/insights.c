/* SPDX-License-Identifier: MIT */
/*
 * insights.c: the insights toolset: media and account insights.  No tools yet.
 */
#include "tools/tool.h"

const struct toolset insights_toolset = {
  .name = "insights",
  .description = "Insights: media and account metrics.",
  .tools = NULL,
  .ntools = 0,
};
