#define _GNU_SOURCE
#include "cfileclone.h"

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

int cfileclone_reflink(int destination, int source) {
    return ioctl(destination, FICLONE, source);
}

ssize_t cfileclone_copy_range(int source, int destination, size_t length) {
    return copy_file_range(source, NULL, destination, NULL, length, 0);
}
