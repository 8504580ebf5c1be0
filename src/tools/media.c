/* SPDX-License-Identifier: MIT */
/*
 * media.c: the media toolset: reading and managing media.  No tools yet.
 */
#include "tools/tool.h"

const struct toolset media_toolset = {
  .name = "media",
  .description = "Media: list and read posts, reels, stories; comments on/off; delete.",
  .tools = NULL,
  .ntools = 0,
};
