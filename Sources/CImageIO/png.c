/* PNG half of the shim: libpng errors longjmp back to the setjmp in each entry point. */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/** Largest single allocation libpng may make before the image size is known: 16 MiB. libpng
 * allocates a chunk's declared length (up to 2 GiB) before reading it, and reports an oversized
 * chunk only as a "benign" error, which is a warning on read. */
#define EIO_PNG_ALLOC_MAX ((size_t)16 << 20)

typedef struct {
    char *message;
    size_t message_size;
    FILE *fp;
    png_bytep *rows;
    size_t alloc_limit; /**< largest allocation granted to libpng */
    size_t refused;     /**< size of the allocation refused, 0 if none */
} png_ctx;

static void on_error(png_structp png, png_const_charp msg) {
    png_ctx *c = (png_ctx *)png_get_error_ptr(png);
    if (c->refused != 0) {
        eio_set_message(c->message, c->message_size, "a chunk needs %zu bytes, over the %zu-byte limit",
                        c->refused, c->alloc_limit);
    } else {
        eio_set_message(c->message, c->message_size, "%s", msg);
    }
    png_longjmp(png, 1);
}

static png_voidp limited_malloc(png_structp png, png_alloc_size_t size) {
    png_ctx *c = (png_ctx *)png_get_mem_ptr(png);
    if (size > c->alloc_limit) {
        c->refused = size;
        return NULL; /* libpng turns this into png_error */
    }
    return malloc(size);
}

static void limited_free(png_structp png, png_voidp p) {
    (void)png;
    free(p);
}

static void on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg; /* warnings (bad ancillary chunks, gamma) are not fatal */
}

/* ICC profile and EXIF block of `info`, when present and not yet copied. */
static int copy_color_metadata(png_structp png, png_infop info, eio_image *out) {
    png_charp name = NULL;
    png_bytep profile = NULL;
    png_uint_32 length = 0;
    int compression = 0;
    if (out->icc == NULL && png_get_iCCP(png, info, &name, &compression, &profile, &length) && length > 0) {
        out->icc = malloc(length);
        if (out->icc == NULL) return 0;
        memcpy(out->icc, profile, length);
        out->icc_length = length;
    }
    png_bytep exif = NULL;
    png_uint_32 exif_length = 0;
    if (out->exif == NULL && png_get_eXIf_1(png, info, &exif_length, &exif) && exif_length > 0) {
        out->exif = malloc(exif_length);
        if (out->exif == NULL) return 0;
        memcpy(out->exif, exif, exif_length);
        out->exif_length = exif_length;
    }
    return 1;
}

static int copy_texts(png_structp png, png_infop info, eio_image *out) {
    png_textp text = NULL;
    int n = png_get_text(png, info, &text, NULL);
    if (n <= 0) return 1;
    eio_text *grown = realloc(out->texts, sizeof(eio_text) * (size_t)(out->text_count + n));
    if (grown == NULL) return 0;
    out->texts = grown;
    for (int i = 0; i < n; ++i) {
        const char *value = text[i].text ? text[i].text : "";
        size_t length = text[i].compression >= PNG_ITXT_COMPRESSION_NONE ? text[i].itxt_length
                                                                         : text[i].text_length;
        eio_text *t = &out->texts[out->text_count];
        t->key = eio_strdup(text[i].key, strlen(text[i].key));
        t->value = eio_strdup(value, length);
        t->utf8 = text[i].compression >= PNG_ITXT_COMPRESSION_NONE;
        if (t->key == NULL || t->value == NULL) {
            free(t->key);
            free(t->value);
            return 0;
        }
        out->text_count += 1;
    }
    return 1;
}

int eio_png_read(const char *path, int header_only, uint64_t max_pixels, eio_image *out) {
    memset(out, 0, sizeof(*out));
    png_ctx ctx = {out->message, sizeof(out->message), NULL, NULL, EIO_PNG_ALLOC_MAX, 0};
    png_ctx *volatile c = &ctx;
    c->fp = eio_open(path, "rb", out->message, sizeof(out->message));
    if (c->fp == NULL) return EIO_ERR_OPEN;

    png_structp png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, c, on_error, on_warning, c,
                                               limited_malloc, limited_free);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_infop end_info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL || end_info == NULL) {
        png_destroy_read_struct(&png, &info, &end_info);
        fclose(c->fp);
        eio_set_message(out->message, sizeof(out->message), "out of memory");
        return EIO_ERR_MEMORY;
    }
    volatile int code = EIO_ERR_DECODE;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, &end_info);
        fclose(c->fp);
        free(c->rows);
        eio_image_free(out);
        return code;
    }
    png_init_io(png, c->fp);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int depth = 0, color = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &depth, &color, &interlace, NULL, NULL);
    out->width = width;
    out->height = height;
    out->progressive = interlace != PNG_INTERLACE_NONE;
    out->has_alpha = (color & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS);
    out->bit_depth = depth == 16 ? 16 : 8;
    out->channels = ((color & PNG_COLOR_MASK_COLOR) ? 3 : 1) + (out->has_alpha ? 1 : 0);
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        code = EIO_ERR_TOO_LARGE;
        eio_set_message(out->message, sizeof(out->message),
                        "%ux%u pixels exceeds the limit of %llu pixels", (unsigned)width, (unsigned)height,
                        (unsigned long long)max_pixels);
        png_longjmp(png, 1);
    }
    if (!copy_texts(png, info, out) || !copy_color_metadata(png, info, out)) {
        code = EIO_ERR_MEMORY;
        png_error(png, "out of memory");
    }
    if (header_only) {
        png_destroy_read_struct(&png, &info, &end_info);
        fclose(c->fp);
        return EIO_OK;
    }

    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(png); /* little-endian host */
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    int out_depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if ((out_depth != 8 && out_depth != 16) || channels < 1 || channels > 4 ||
        rowbytes != (size_t)width * (size_t)channels * (size_t)(out_depth / 8)) {
        png_error(png, "unsupported pixel layout");
    }
    out->channels = channels;
    out->bit_depth = out_depth;
    /* Row buffers are now due; the pixel limit already bounds them. */
    c->alloc_limit = EIO_PNG_ALLOC_MAX + 2 * rowbytes + 64;
    out->pixels = malloc(rowbytes * height);
    c->rows = malloc(sizeof(png_bytep) * height);
    if (out->pixels == NULL || c->rows == NULL) {
        code = EIO_ERR_MEMORY;
        png_error(png, "out of memory");
    }
    for (png_uint_32 y = 0; y < height; ++y) c->rows[y] = (png_bytep)out->pixels + rowbytes * y;
    png_read_image(png, c->rows);
    png_read_end(png, end_info);
    if (!copy_texts(png, end_info, out) || !copy_color_metadata(png, end_info, out)) {
        code = EIO_ERR_MEMORY;
        png_error(png, "out of memory");
    }
    png_destroy_read_struct(&png, &info, &end_info);
    free(c->rows);
    fclose(c->fp);
    return EIO_OK;
}
