/* SPDX-License-Identifier: MIT */
/*
 * publishing.c: the publishing toolset: the two-step publishing API and one-call publishers.  No tools yet.
 */
#include "tools/tool.h"

const struct toolset publishing_toolset = {
  .name = "publishing",
  .description = "Publishing: containers, status, publish photo, reel, story, carousel.",
  .tools = NULL,
  .ntools = 0,
};
