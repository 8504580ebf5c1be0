/* SPDX-License-Identifier: MIT */
/*
 * account.h: what the account tools share with the other toolsets.
 */
#ifndef IGMCP_TOOLS_ACCOUNT_H
#define IGMCP_TOOLS_ACCOUNT_H

#include <stddef.h>

#include "tools/tool.h"

/* Pattern for an argument that names an Instagram account: "me", an IG
 * user id, or (Facebook Login) a Facebook Page id, resolved to its
 * instagram_business_account by account_resolve_user. */
#define ACCOUNT_ID_PATTERN "^(me|[0-9]{1,25})$"

/* Resolves id to the Instagram professional account id to use in a path.
 * id NULL, "" or "me" means the configured account.  With Instagram Login
 * the id is used as given ("me" stays "me").  With Facebook Login "me"
 * and Page ids are resolved by GET /{page}?fields=instagram_business_account,
 * as Composio does; ids that look like IG user ids (17 digits starting
 * 1784) are used as given, and so is any id whose node has no such field.
 * Writes the id to out; sets *is_own when it is the configured account.
 * Returns 0, or -1 with r filled (a Page without a linked account, or a
 * Graph error). */
int account_resolve_user(struct call *c, struct result *r, const char *id,
                         char *out, size_t outlen, int *is_own);

/* The configured Instagram account id, for tools that act on it alone:
 * the configured user id when it is not "me"; with Instagram Login "me";
 * with Facebook Login the linked account of the configured Page (or of
 * "me") by GET ?fields=instagram_business_account.  Writes it to out.
 * Returns 0, or -1 with r filled ("not_configured" when the Page has no
 * linked account, or a Graph error). */
int account_resolve_own(struct call *c, struct result *r, char *out,
                        size_t outlen);

/* The configured account's numeric Instagram id, the id webhooks name in
 * entry[].id and the inbox store keys everything by: the configured user
 * id when it is numeric; with Instagram Login GET /me?fields=user_id; with
 * Facebook Login account_resolve_own.  Resolved once per account (c->acct)
 * and cached.  Returns 0, or -1 with r filled. */
int account_store_id(struct call *c, struct result *r, char *out,
                     size_t outlen);
/* Forgets the cached ids (tests: a struct account's address may be
 * reused). */
void account_store_id_forget(void);

#endif
