/* SPDX-License-Identifier: MIT */
/*
 * comments.c: the comments toolset: comments, replies, moderation and mentions.  No tools yet.
 */
#include "tools/tool.h"

const struct toolset comments_toolset = {
  .name = "comments",
  .description = "Comments and mentions: read, reply, hide, delete, private replies.",
  .tools = NULL,
  .ntools = 0,
};
