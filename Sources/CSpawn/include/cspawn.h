#ifndef GIT_RECIPE_CSPAWN_H
#define GIT_RECIPE_CSPAWN_H

/* posix_spawn_file_actions_addchdir_np (glibc >= 2.29) is declared only with _GNU_SOURCE,
   which Swift's Glibc module does not define: children start in a directory of our
   choosing without the parent changing its own. */
#include <spawn.h>

int cspawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/* posix_spawn_file_actions_addclosefrom_np (glibc >= 2.34): the child closes every
   descriptor from `from` on, so none that another thread opened without O_CLOEXEC leaks. */
int cspawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);

#endif
