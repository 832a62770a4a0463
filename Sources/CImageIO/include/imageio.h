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
    unsigned char *exif; /**< EXIF (TIFF-structured: JPEG APP1 after "Exif\0\0", PNG eXIf), or NULL */
    size_t exif_length;
    unsigned char *icc;  /**< ICC profile (JPEG APP2 chunks joined, PNG iCCP decompressed), or NULL */
    size_t icc_length;
    unsigned char *xmp;  /**< JPEG: the XMP packet (APP1 after the XMP namespace and NUL), or NULL */
    size_t xmp_length;
    char message[256];   /**< one-line error message when a call fails */
} eio_image;

/** The identifier that starts a JPEG APP1 segment holding an XMP packet (with its NUL). */
#define EIO_XMP_ID "http://ns.adobe.com/xap/1.0/"
#define EIO_XMP_ID_LENGTH 29

/** Reads a PNG. Expands palette/tRNS/low-bit gray; keeps 16-bit. Refuses width*height > max_pixels
 *  before allocating the pixel buffer. */
int eio_png_read(const char *path, int header_only, uint64_t max_pixels, eio_image *out);

/** Reads a JPEG into 8-bit gray (1 channel) or RGB (3 channels; CMYK/YCCK converted, Adobe
 *  inverted CMYK handled). The Exif APP1 payload is returned untouched for orientation handling. */
int eio_jpeg_read(const char *path, int header_only, uint64_t max_pixels, eio_image *out);

/** Frees buffers held by `img` (safe on a zeroed or partially filled struct). */
void eio_image_free(eio_image *img);

/** What a streaming writer produces. */
typedef struct {
    int format;              /**< EIO_FORMAT_PNG or EIO_FORMAT_JPEG */
    uint32_t width;
    uint32_t height;
    int channels;            /**< samples per pixel in the rows given: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
                                  (JPEG: 1 or 3 only) */
    int bit_depth;           /**< 8 or 16 (PNG only; 16-bit rows are native-endian uint16) */
    int quality;             /**< JPEG quality 1...100 */
    const eio_text *texts;   /**< PNG tEXt/iTXt entries (ignored for JPEG) */
    int text_count;
    const uint8_t *icc;      /**< ICC profile to embed (PNG iCCP, JPEG APP2), or NULL */
    size_t icc_length;
    const uint8_t *exif;     /**< TIFF-structured EXIF to embed (PNG eXIf, JPEG APP1), or NULL */
    size_t exif_length;
    const uint8_t *xmp;      /**< XMP packet to embed (JPEG APP1 after EIO_XMP_ID; ignored for PNG), or NULL */
    size_t xmp_length;
} eio_write_spec;

enum { EIO_FORMAT_PNG = 0, EIO_FORMAT_JPEG = 1 };

/** An image being encoded row by row (opaque). */
typedef struct eio_writer eio_writer;

/** Creates `path` and writes the header and metadata. Returns NULL with `message` set on failure. */
eio_writer *eio_writer_open(const char *path, const eio_write_spec *spec, char *message, size_t message_size);

/** Encodes the next `count` interleaved rows (width*channels samples each). After a failure every
 *  later call fails too; the message is in eio_writer_message. */
int eio_writer_rows(eio_writer *w, const void *rows, uint32_t count);

/** Finishes the stream and closes the file; frees `w`. Fails unless every row was written. */
int eio_writer_finish(eio_writer *w, char *message, size_t message_size);

/** Closes the file without finishing it; frees `w`. The caller removes the file. */
void eio_writer_abort(eio_writer *w);

/** The last error of `w`. */
const char *eio_writer_message(const eio_writer *w);

/** Temporary files removed if the process gets SIGINT, SIGTERM or SIGHUP (which is then re-raised
 *  with its default action). Registering installs the handlers once; at most 64 paths. */
int eio_temp_register(const char *path);
void eio_temp_unregister(const char *path);

#endif
