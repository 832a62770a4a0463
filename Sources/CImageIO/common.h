#ifndef ENHANCE_IMAGEIO_COMMON_H
#define ENHANCE_IMAGEIO_COMMON_H
/* Private helpers shared by the PNG and JPEG halves of the shim. */
#include <stdio.h>
#include "include/imageio.h"

void eio_set_message(char *dst, size_t size, const char *fmt, ...);
FILE *eio_open(const char *path, const char *mode, char *message, size_t size);
char *eio_strdup(const char *s, size_t n);

#endif
