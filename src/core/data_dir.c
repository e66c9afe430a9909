/* data_dir.c - private file modes for the data directory (see data_dir.h). */
#include "core/data_dir.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/secret_file.h"

int data_dir_prepare(const char *path, nh_error *err)
{
    umask(DATA_DIR_UMASK);
    if (secret_file_make_dirs(path, 0700, err) != 0)
        return -1;
    struct stat info;
    if (stat(path, &info) != 0)
        return error_set(err, 500, "data_dir_invalid", "cannot read the mode of %s: %s", path,
                         strerror(errno));
    unsigned int mode = (unsigned int)(info.st_mode & 0777);
    if ((mode & 077) != 0)
        log_message(LOG_WARN, "data_dir_permissions",
                    "the data directory %s has mode %03o: group or others may read or change "
                    "it (files NekoHub creates in it are 0600); chmod 700 it",
                    path, mode);
    return 0;
}
