/* qr.h: a QR code (libqrencode) drawn as an SVG document. */
#ifndef DDC_QR_H
#define DDC_QR_H
#include <stddef.h>

/* The SVG of a QR code holding text (error correction level M, 4-module quiet zone, one path of
 * dark runs): malloc'ed and NUL-terminated, its length in *len; NULL when text cannot be encoded
 * or memory runs out. */
char *qr_svg(const char *text, size_t *len);

#endif
