#ifndef GIT_RECIPE_CLIBGIT2_SHIM_H
#define GIT_RECIPE_CLIBGIT2_SHIM_H

#define GIT_DEPRECATE_HARD 1
#include <git2.h>
#include <git2/sys/repository.h>  /* git_repository_set_index: honour GIT_INDEX_FILE */

/* git_libgit2_opts is C-variadic, which Swift cannot call. */
static inline int git_recipe_set_strict_hash_verification(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}

#endif
