/* SPDX-License-Identifier: MIT */
/*
 * profile.c: the profile toolset: the messenger profile.  No tools yet.
 */
#include "tools/tool.h"

const struct toolset profile_toolset = {
  .name = "profile",
  .description = "Messenger profile: ice breakers and other profile settings.",
  .tools = NULL,
  .ntools = 0,
};
