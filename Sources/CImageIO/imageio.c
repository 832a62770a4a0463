#include "imageio.h"
int enhance_imageio_version(void) { return 1; }
