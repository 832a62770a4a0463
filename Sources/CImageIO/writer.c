/* Streaming encoders: a PNG or JPEG is written row by row, so an image never has to exist whole in
 * memory. Every libpng/libjpeg error longjmps back to the setjmp of the entry point that called the
 * library; the writer is then marked failed and only abort/finish (which fails) may follow. */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "common.h"

struct eio_writer {
    int format;
    int failed;
    uint32_t width, height, rows_done;
    int channels, bit_depth;
    FILE *fp;
    char message[256];
    /* PNG */
    png_structp png;
    png_infop info;
    /* JPEG */
    struct jpeg_compress_struct jpeg;
    struct jpeg_error_mgr jerr;
    jmp_buf jump;
    int jpeg_created;
};

static void png_on_error(png_structp png, png_const_charp msg) {
    eio_writer *w = (eio_writer *)png_get_error_ptr(png);
    eio_set_message(w->message, sizeof(w->message), "%s", msg);
    png_longjmp(png, 1);
}

/* Output through stdio, naming the system's reason (e.g. "File too large") when a write fails. */
static void png_write_bytes(png_structp png, png_bytep data, size_t length) {
    eio_writer *w = (eio_writer *)png_get_io_ptr(png);
    if (fwrite(data, 1, length, w->fp) != length) png_error(png, strerror(errno));
}

static void png_flush_bytes(png_structp png) {
    eio_writer *w = (eio_writer *)png_get_io_ptr(png);
    if (fflush(w->fp) != 0) png_error(png, strerror(errno));
}

static void png_on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static void jpeg_on_error(j_common_ptr cinfo) {
    eio_writer *w = (eio_writer *)cinfo->client_data;
    char buffer[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buffer);
    if (cinfo->err->msg_code == JERR_FILE_WRITE) {
        eio_set_message(w->message, sizeof(w->message), "%s", strerror(errno));
    } else {
        eio_set_message(w->message, sizeof(w->message), "%s", buffer);
    }
    longjmp(w->jump, 1);
}

static void release(eio_writer *w) {
    if (w->png) png_destroy_write_struct(&w->png, &w->info);
    if (w->jpeg_created) jpeg_destroy_compress(&w->jpeg);
    w->jpeg_created = 0;
    if (w->fp) fclose(w->fp);
    w->fp = NULL;
    free(w);
}

/* Header, metadata and settings of a PNG; returns 0 after a libpng error. */
static int png_begin(eio_writer *volatile w, const eio_write_spec *spec) {
    png_textp volatile chunks = NULL;
    w->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, w, png_on_error, png_on_warning);
    w->info = w->png ? png_create_info_struct(w->png) : NULL;
    if (w->png == NULL || w->info == NULL) {
        eio_set_message(w->message, sizeof(w->message), "out of memory");
        return 0;
    }
    if (setjmp(png_jmpbuf(w->png))) {
        free(chunks);
        return 0;
    }
    static const int types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                 PNG_COLOR_TYPE_RGB_ALPHA};
    png_set_benign_errors(w->png, 1); /* an unusable ICC profile is dropped with a warning */
    png_set_write_fn(w->png, w, png_write_bytes, png_flush_bytes);
    png_set_IHDR(w->png, w->info, spec->width, spec->height, spec->bit_depth, types[spec->channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (spec->icc != NULL && spec->icc_length > 0) {
        png_set_iCCP(w->png, w->info, "ICC profile", PNG_COMPRESSION_TYPE_BASE, spec->icc,
                     (png_uint_32)spec->icc_length);
    }
    if (spec->exif != NULL && spec->exif_length > 0) {
        png_set_eXIf_1(w->png, w->info, (png_uint_32)spec->exif_length, (png_bytep)spec->exif);
    }
    if (spec->text_count > 0) {
        chunks = calloc((size_t)spec->text_count, sizeof(png_text));
        if (chunks == NULL) png_error(w->png, "out of memory");
        for (int i = 0; i < spec->text_count; ++i) {
            const eio_text *t = &spec->texts[i];
            chunks[i].compression = t->utf8 ? PNG_ITXT_COMPRESSION_NONE : PNG_TEXT_COMPRESSION_NONE;
            chunks[i].key = t->key;
            chunks[i].text = t->value;
            chunks[i].text_length = t->utf8 ? 0 : strlen(t->value);
            chunks[i].itxt_length = t->utf8 ? strlen(t->value) : 0;
        }
        png_set_text(w->png, w->info, chunks, spec->text_count);
    }
    png_write_info(w->png, w->info);
    if (spec->bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(w->png); /* little-endian host */
    }
    free(chunks);
    return 1;
}

/* Header and metadata of a baseline JPEG; returns 0 after a libjpeg error. */
static int jpeg_begin(eio_writer *volatile w, const eio_write_spec *spec) {
    w->jpeg.err = jpeg_std_error(&w->jerr);
    w->jerr.error_exit = jpeg_on_error;
    w->jpeg.client_data = w;
    if (setjmp(w->jump)) return 0;
    jpeg_create_compress(&w->jpeg);
    w->jpeg_created = 1;
    jpeg_stdio_dest(&w->jpeg, w->fp);
    w->jpeg.image_width = spec->width;
    w->jpeg.image_height = spec->height;
    w->jpeg.input_components = spec->channels;
    w->jpeg.in_color_space = spec->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&w->jpeg);
    int q = spec->quality < 1 ? 1 : (spec->quality > 100 ? 100 : spec->quality);
    jpeg_set_quality(&w->jpeg, q, TRUE);
    jpeg_start_compress(&w->jpeg, TRUE);
    if (spec->exif != NULL && spec->exif_length > 0) {
        unsigned char *app1 = malloc(spec->exif_length + 6);
        if (app1 == NULL) ERREXIT1(&w->jpeg, JERR_OUT_OF_MEMORY, 0);
        memcpy(app1, "Exif\0\0", 6);
        memcpy(app1 + 6, spec->exif, spec->exif_length);
        jpeg_write_marker(&w->jpeg, JPEG_APP0 + 1, app1, (unsigned)(spec->exif_length + 6));
        free(app1);
    }
    if (spec->xmp != NULL && spec->xmp_length > 0) {
        unsigned char *app1 = malloc(spec->xmp_length + EIO_XMP_ID_LENGTH);
        if (app1 == NULL) ERREXIT1(&w->jpeg, JERR_OUT_OF_MEMORY, 0);
        memcpy(app1, EIO_XMP_ID, EIO_XMP_ID_LENGTH); /* with its NUL */
        memcpy(app1 + EIO_XMP_ID_LENGTH, spec->xmp, spec->xmp_length);
        jpeg_write_marker(&w->jpeg, JPEG_APP0 + 1, app1, (unsigned)(spec->xmp_length + EIO_XMP_ID_LENGTH));
        free(app1);
    }
    if (spec->icc != NULL && spec->icc_length > 0) {
        jpeg_write_icc_profile(&w->jpeg, spec->icc, (unsigned)spec->icc_length);
    }
    return 1;
}

static int valid_spec(const eio_write_spec *s, char *message, size_t size) {
    int jpeg = s->format == EIO_FORMAT_JPEG;
    if (s->format != EIO_FORMAT_PNG && !jpeg) {
        eio_set_message(message, size, "unknown output format");
    } else if (s->width == 0 || s->height == 0) {
        eio_set_message(message, size, "cannot write an empty %ux%u image", (unsigned)s->width, (unsigned)s->height);
    } else if (jpeg && (s->width > JPEG_MAX_DIMENSION || s->height > JPEG_MAX_DIMENSION)) {
        eio_set_message(message, size, "JPEG dimensions %ux%u exceed %d", (unsigned)s->width, (unsigned)s->height,
                        JPEG_MAX_DIMENSION);
    } else if (jpeg ? (s->channels != 1 && s->channels != 3) || s->bit_depth != 8
                    : s->channels < 1 || s->channels > 4 || (s->bit_depth != 8 && s->bit_depth != 16)) {
        eio_set_message(message, size, "unsupported layout: %d channels at %d bits", s->channels, s->bit_depth);
    } else if (jpeg && s->exif_length + 8 > 65535) {
        eio_set_message(message, size, "EXIF block of %zu bytes does not fit a JPEG APP1 segment", s->exif_length);
    } else if (jpeg && s->xmp_length + EIO_XMP_ID_LENGTH + 2 > 65535) {
        eio_set_message(message, size, "XMP packet of %zu bytes does not fit a JPEG APP1 segment", s->xmp_length);
    } else {
        return 1;
    }
    return 0;
}

eio_writer *eio_writer_open(const char *path, const eio_write_spec *spec, char *message, size_t message_size) {
    if (!valid_spec(spec, message, message_size)) return NULL;
    eio_writer *w = calloc(1, sizeof(eio_writer));
    if (w == NULL) {
        eio_set_message(message, message_size, "out of memory");
        return NULL;
    }
    w->format = spec->format;
    w->width = spec->width;
    w->height = spec->height;
    w->channels = spec->channels;
    w->bit_depth = spec->bit_depth;
    w->fp = eio_open(path, "wb", message, message_size);
    if (w->fp == NULL) {
        free(w);
        return NULL;
    }
    int ok = spec->format == EIO_FORMAT_PNG ? png_begin(w, spec) : jpeg_begin(w, spec);
    if (!ok) {
        eio_set_message(message, message_size, "%s", w->message);
        release(w);
        return NULL;
    }
    return w;
}

int eio_writer_rows(eio_writer *w, const void *rows, uint32_t count) {
    if (w->failed) return EIO_ERR_WRITE;
    if (count > w->height - w->rows_done) {
        eio_set_message(w->message, sizeof(w->message), "more rows than the image height %u", (unsigned)w->height);
        w->failed = 1;
        return EIO_ERR_WRITE;
    }
    size_t stride = (size_t)w->width * (size_t)w->channels * (size_t)(w->bit_depth / 8);
    const uint8_t *p = rows;
    eio_writer *volatile wv = w;
    if (w->format == EIO_FORMAT_PNG) {
        if (setjmp(png_jmpbuf(w->png))) {
            wv->failed = 1;
            return EIO_ERR_WRITE;
        }
        for (uint32_t i = 0; i < count; ++i) png_write_row(w->png, (png_const_bytep)(p + stride * i));
    } else {
        if (setjmp(w->jump)) {
            wv->failed = 1;
            return EIO_ERR_WRITE;
        }
        for (uint32_t i = 0; i < count; ++i) {
            JSAMPROW row[1] = {(JSAMPROW)(p + stride * i)};
            jpeg_write_scanlines(&w->jpeg, row, 1);
        }
    }
    w->rows_done += count;
    if (ferror(w->fp)) {
        eio_set_message(w->message, sizeof(w->message), "%s", strerror(errno));
        w->failed = 1;
        return EIO_ERR_WRITE;
    }
    return EIO_OK;
}

int eio_writer_finish(eio_writer *w, char *message, size_t message_size) {
    eio_writer *volatile wv = w;
    int code = EIO_OK;
    if (w->failed || w->rows_done != w->height) {
        if (!w->failed) {
            eio_set_message(w->message, sizeof(w->message), "only %u of %u rows written", (unsigned)w->rows_done,
                            (unsigned)w->height);
        }
        code = EIO_ERR_WRITE;
    } else if (w->format == EIO_FORMAT_PNG) {
        if (setjmp(png_jmpbuf(w->png))) {
            code = EIO_ERR_WRITE;
        } else {
            png_write_end(w->png, w->info);
        }
    } else {
        if (setjmp(w->jump)) {
            code = EIO_ERR_WRITE;
        } else {
            jpeg_finish_compress(&w->jpeg);
        }
    }
    w = wv;
    if (code == EIO_OK && (fflush(w->fp) != 0 || ferror(w->fp))) {
        eio_set_message(w->message, sizeof(w->message), "%s", strerror(errno));
        code = EIO_ERR_WRITE;
    }
    FILE *fp = w->fp;
    w->fp = NULL;
    if (fclose(fp) != 0 && code == EIO_OK) {
        eio_set_message(w->message, sizeof(w->message), "could not finish writing: %s", strerror(errno));
        code = EIO_ERR_WRITE;
    }
    if (code != EIO_OK) eio_set_message(message, message_size, "%s", w->message);
    release(w);
    return code;
}

void eio_writer_abort(eio_writer *w) {
    if (w != NULL) release(w);
}

const char *eio_writer_message(const eio_writer *w) { return w->message; }
