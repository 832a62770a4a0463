#ifndef ENHANCE_IMAGEIO_H
#define ENHANCE_IMAGEIO_H
/* Placeholder; the PNG/JPEG shim lands with the imaging work. */
int enhance_imageio_version(void);
#endif
