#ifndef GIT_RECIPE_CFILECLONE_H
#define GIT_RECIPE_CFILECLONE_H

#include <sys/types.h>

/* ioctl(FICLONE) is variadic, which Swift cannot call: shares `source`'s blocks with
   `destination` (a reflink, copy-on-write) where the file system allows it. 0 on success,
   -1 with errno otherwise. */
int cfileclone_reflink(int destination, int source);

/* copy_file_range(2), declared only with _GNU_SOURCE: the kernel copies without the bytes
   passing through user space. Returns bytes copied, 0 at the end, -1 with errno. */
ssize_t cfileclone_copy_range(int source, int destination, size_t length);

#endif
