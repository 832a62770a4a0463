/* JPEG half of the shim: libjpeg's error_exit longjmps back to the setjmp in each entry point. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "common.h"

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t message_size;
    FILE *fp;
} jpeg_ctx;

static void on_error_exit(j_common_ptr cinfo) {
    jpeg_ctx *c = (jpeg_ctx *)cinfo->err;
    char buffer[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buffer);
    eio_set_message(c->message, c->message_size, "%s", buffer);
    longjmp(c->jump, 1);
}

/* Warnings are ignored except a premature end of data, which means the file is truncated. */
static void on_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        on_error_exit(cinfo);
    }
}

static void init_errors(struct jpeg_decompress_struct *d, struct jpeg_compress_struct *e, jpeg_ctx *c,
                        char *message, size_t size) {
    struct jpeg_error_mgr *err = jpeg_std_error(&c->base);
    err->error_exit = on_error_exit;
    err->emit_message = on_emit_message;
    c->message = message;
    c->message_size = size;
    if (d) d->err = err;
    if (e) e->err = err;
}

/* The first APP1 payload after `id` (`id_length` bytes) into a fresh buffer; 0 when out of memory. */
static int copy_app1(struct jpeg_decompress_struct *d, const char *id, size_t id_length, unsigned char **data,
                     size_t *length) {
    for (jpeg_saved_marker_ptr m = d->marker_list; m != NULL; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length > id_length && memcmp(m->data, id, id_length) == 0) {
            *length = m->data_length - id_length;
            *data = malloc(*length);
            if (*data == NULL) return 0;
            memcpy(*data, m->data + id_length, *length);
            return 1;
        }
    }
    return 1;
}

/* The Exif payload (after "Exif\0\0") and the XMP packet, when present. */
static int copy_app1_metadata(struct jpeg_decompress_struct *d, eio_image *out) {
    return copy_app1(d, "Exif\0\0", 6, &out->exif, &out->exif_length)
        && copy_app1(d, EIO_XMP_ID, EIO_XMP_ID_LENGTH, &out->xmp, &out->xmp_length);
}

/* CMYK (inverted as Adobe writes it, or plain) to RGB: R = (1-C)(1-K), in place, 4 -> 3 samples. */
static void cmyk_row_to_rgb(JSAMPLE *row, JDIMENSION width, int inverted) {
    for (JDIMENSION x = 0; x < width; ++x) {
        unsigned c = row[4 * x], m = row[4 * x + 1], y = row[4 * x + 2], k = row[4 * x + 3];
        if (!inverted) {
            c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k;
        }
        row[3 * x] = (JSAMPLE)((c * k + 127) / 255);
        row[3 * x + 1] = (JSAMPLE)((m * k + 127) / 255);
        row[3 * x + 2] = (JSAMPLE)((y * k + 127) / 255);
    }
}

int eio_jpeg_read(const char *path, int header_only, uint64_t max_pixels, eio_image *out) {
    memset(out, 0, sizeof(*out));
    struct jpeg_decompress_struct d;
    jpeg_ctx ctx;
    jpeg_ctx *volatile c = &ctx;
    JSAMPLE *volatile row = NULL;
    volatile int code = EIO_ERR_DECODE;
    init_errors(&d, NULL, c, out->message, sizeof(out->message));
    c->fp = eio_open(path, "rb", out->message, sizeof(out->message));
    if (c->fp == NULL) return EIO_ERR_OPEN;
    if (setjmp(c->jump)) {
        jpeg_destroy_decompress(&d);
        fclose(c->fp);
        free(row);
        eio_image_free(out);
        return code;
    }
    jpeg_create_decompress(&d);
    jpeg_stdio_src(&d, c->fp);
    jpeg_save_markers(&d, JPEG_APP0 + 1, 0xFFFF);
    jpeg_save_markers(&d, JPEG_APP0 + 2, 0xFFFF);
    jpeg_read_header(&d, TRUE);
    out->width = d.image_width;
    out->height = d.image_height;
    out->bit_depth = 8;
    out->progressive = d.progressive_mode;
    out->channels = d.jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
    if ((uint64_t)d.image_width * (uint64_t)d.image_height > max_pixels) {
        code = EIO_ERR_TOO_LARGE;
        eio_set_message(out->message, sizeof(out->message), "%ux%u pixels exceeds the limit of %llu pixels",
                        (unsigned)d.image_width, (unsigned)d.image_height, (unsigned long long)max_pixels);
        longjmp(c->jump, 1);
    }
    JOCTET *icc = NULL;
    unsigned int icc_length = 0;
    if (jpeg_read_icc_profile(&d, &icc, &icc_length) && icc_length > 0) {
        out->icc = icc; /* malloc'ed by libjpeg-turbo; freed by eio_image_free */
        out->icc_length = icc_length;
    }
    if (!copy_app1_metadata(&d, out)) {
        code = EIO_ERR_MEMORY;
        ERREXIT1(&d, JERR_OUT_OF_MEMORY, 0);
    }
    if (header_only) {
        jpeg_destroy_decompress(&d);
        fclose(c->fp);
        return EIO_OK;
    }
    int cmyk = d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK;
    int inverted = cmyk && d.saw_Adobe_marker;
    if (cmyk) d.out_color_space = JCS_CMYK;
    else if (d.jpeg_color_space == JCS_GRAYSCALE) d.out_color_space = JCS_GRAYSCALE;
    else d.out_color_space = JCS_RGB;
    jpeg_start_decompress(&d);
    int channels = cmyk ? 3 : d.output_components;
    if (d.output_components != (cmyk ? 4 : channels)) ERREXIT(&d, JERR_CONVERSION_NOTIMPL);
    size_t stride = (size_t)d.output_width * (size_t)channels;
    out->width = d.output_width;
    out->height = d.output_height;
    out->channels = channels;
    out->pixels = malloc(stride * d.output_height);
    row = malloc((size_t)d.output_width * (size_t)d.output_components);
    if (out->pixels == NULL || row == NULL) {
        code = EIO_ERR_MEMORY;
        ERREXIT1(&d, JERR_OUT_OF_MEMORY, 1);
    }
    while (d.output_scanline < d.output_height) {
        JSAMPROW rows[1] = {row};
        JDIMENSION y = d.output_scanline;
        if (jpeg_read_scanlines(&d, rows, 1) != 1) ERREXIT(&d, JERR_INPUT_EOF);
        if (cmyk) cmyk_row_to_rgb(row, d.output_width, inverted);
        memcpy((uint8_t *)out->pixels + stride * y, row, stride);
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    fclose(c->fp);
    free(row);
    return EIO_OK;
}
