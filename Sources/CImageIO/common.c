#include "common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void eio_set_message(char *dst, size_t size, const char *fmt, ...) {
    if (dst == NULL || size == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
    /* Keep messages on one line. */
    for (char *p = dst; *p; ++p) {
        if (*p == '\n' || *p == '\r') *p = ' ';
    }
}

FILE *eio_open(const char *path, const char *mode, char *message, size_t size) {
    FILE *fp = fopen(path, mode);
    if (fp == NULL) {
        eio_set_message(message, size, "%s", strerror(errno));
    }
    return fp;
}

char *eio_strdup(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d == NULL) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

void eio_image_free(eio_image *img) {
    if (img == NULL) return;
    free(img->pixels);
    img->pixels = NULL;
    for (int i = 0; i < img->text_count; ++i) {
        free(img->texts[i].key);
        free(img->texts[i].value);
    }
    free(img->texts);
    img->texts = NULL;
    img->text_count = 0;
    free(img->exif);
    img->exif = NULL;
    img->exif_length = 0;
    free(img->xmp);
    img->xmp = NULL;
    img->xmp_length = 0;
    free(img->icc);
    img->icc = NULL;
    img->icc_length = 0;
}
