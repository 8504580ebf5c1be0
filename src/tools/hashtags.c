/* SPDX-License-Identifier: MIT */
/*
 * hashtags.c: the hashtags toolset: hashtag search and media.  No tools yet.
 */
#include "tools/tool.h"

const struct toolset hashtags_toolset = {
  .name = "hashtags",
  .description = "Hashtags: search, top and recent media, the 7-day budget.",
  .tools = NULL,
  .ntools = 0,
};
