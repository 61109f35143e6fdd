/* qr.c: encoding text as a QR code with libqrencode and drawing its modules as SVG: each row's
 * runs of dark modules become one "M x y h n v 1 h -n z" step of a single path. */
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http/qr.h"

#define QR_QUIET 4 /* modules of light margin on each side, as ISO/IEC 18004 asks */

/* Appends the path steps of row y; returns the new length, or 0 when out of room. */
static size_t qr_row(const QRcode *q, int y, char *out, size_t o, size_t cap)
{
  for (int x = 0; x < q->width;) {
    if (!(q->data[y * q->width + x] & 1)) {
      x++;
      continue;
    }
    int run = 1;
    while (x + run < q->width && (q->data[y * q->width + x + run] & 1))
      run++;
    int n = snprintf(out + o, cap - o, "M%d %dh%dv1h-%dz", x + QR_QUIET, y + QR_QUIET, run, run);
    if (n < 0 || (size_t)n >= cap - o) return 0;
    o += (size_t)n;
    x += run;
  }
  return o;
}

char *qr_svg(const char *text, size_t *len)
{
  QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!q) return NULL;
  int side = q->width + 2 * QR_QUIET;
  size_t cap = 512 + (size_t)q->width * (size_t)q->width * 24; /* a step per module at most */
  char *out = malloc(cap);
  int n = out ? snprintf(out, cap,
                         "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                         "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                         "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                         side, side, side, side)
              : 0;
  size_t o = n > 0 ? (size_t)n : 0;
  for (int y = 0; o && y < q->width; y++)
    o = qr_row(q, y, out, o, cap);
  QRcode_free(q);
  static const char tail[] = "\"/></svg>\n";
  if (!o || o + sizeof tail > cap) {
    free(out);
    return NULL;
  }
  memcpy(out + o, tail, sizeof tail);
  *len = o + sizeof tail - 1;
  return out;
}
