// The C shim (CImageIO) calls libpng and libjpeg, but a C target does not autolink the system
// libraries its dependencies declare. Importing the system-library modules here makes the Swift
// compiler emit their `link "png16"` / `link "jpeg"` directives for every client of this target.
internal import CPNG
internal import CJPEG
