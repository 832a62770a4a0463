#ifndef ENHANCE_IMAGEIO_H
#define ENHANCE_IMAGEIO_H
/*
 * Small C shim over libpng and libjpeg(-turbo). Every libpng/libjpeg error (which those libraries
 * report with longjmp) is caught here and turned into a return code plus a one-line message, so
 * Swift never sees a jump. Pixel buffers are interleaved, row-major; 16-bit samples are native
 * endian uint16.
 */
#include <stddef.h>
#include <stdint.h>

/** Return codes. */
enum {
    EIO_OK = 0,
    EIO_ERR_OPEN = 1,      /**< file could not be opened (errno-based message) */
    EIO_ERR_DECODE = 2,    /**< the codec rejected the data (message from libpng/libjpeg) */
    EIO_ERR_TOO_LARGE = 3, /**< header dimensions exceed the caller's pixel limit */
    EIO_ERR_MEMORY = 4,    /**< allocation failed */
    EIO_ERR_WRITE = 5      /**< encoding or writing failed */
};

/** One text entry (PNG tEXt/zTXt/iTXt). `key`/`value` are NUL-terminated; `utf8` is 0 for Latin-1. */
typedef struct {
    char *key;
    char *value;
    int utf8;
} eio_text;

/** A decoded image (or only its header, when read with header_only). Free with eio_image_free. */
typedef struct {
    uint32_t width;
    uint32_t height;
    int channels;        /**< 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (JPEG CMYK is converted to RGB) */
    int bit_depth;       /**< bits per sample in `pixels`: 8 or 16 */
    int has_alpha;       /**< header-only: whether decoding will produce alpha */
    int progressive;     /**< JPEG progressive / PNG interlaced */
    void *pixels;        /**< width*height*channels samples, NULL when header_only */
    eio_text *texts;
    int text_count;
    unsigned char *exif; /**< JPEG APP1 Exif payload after "Exif\0\0", or NULL */
    size_t exif_length;
    char message[256];   /**< one-line error message when a call fails */
} eio_image;

/** Reads a PNG. Expands palette/tRNS/low-bit gray; keeps 16-bit. Refuses width*height > max_pixels
 *  before allocating the pixel buffer. */
int eio_png_read(const char *path, int header_only, uint64_t max_pixels, eio_image *out);

/** Reads a JPEG into 8-bit gray (1 channel) or RGB (3 channels; CMYK/YCCK converted, Adobe
 *  inverted CMYK handled). The Exif APP1 payload is returned untouched for orientation handling. */
int eio_jpeg_read(const char *path, int header_only, uint64_t max_pixels, eio_image *out);

/** Frees buffers held by `img` (safe on a zeroed or partially filled struct). */
void eio_image_free(eio_image *img);

/** Writes a PNG: channels 3 (RGB) or 4 (RGBA), bit_depth 8 or 16 (native-endian uint16 input).
 *  Text entries with utf8 != 0 are written as iTXt, others as tEXt. `message` gets errors. */
int eio_png_write(const char *path, const void *pixels, uint32_t width, uint32_t height, int channels,
                  int bit_depth, const eio_text *texts, int text_count, char *message, size_t message_size);

/** Writes a baseline JPEG from 8-bit interleaved RGB (channels 3) with quality 1...100. */
int eio_jpeg_write(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height, int quality,
                   char *message, size_t message_size);

#endif
