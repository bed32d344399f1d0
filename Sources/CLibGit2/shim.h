#ifndef GIT_RECIPE_CLIBGIT2_SHIM_H
#define GIT_RECIPE_CLIBGIT2_SHIM_H

#define GIT_DEPRECATE_HARD 1
#include <git2.h>
#include <git2/sys/repository.h>  /* git_repository_set_index: honour GIT_INDEX_FILE */

#endif
