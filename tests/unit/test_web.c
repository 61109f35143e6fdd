/* test_web.c: the pieces behind the citizen's pages: the embedded web/ files and their ETags,
 * If-None-Match matching, the QR code's SVG (its modules read back against libqrencode's own
 * matrix) and the host[:port] check that decides whether a Host header may go into the QR URL. */
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "http/qr.h"
#include "http/static.h"
#include "unit.h"

static void test_files_embedded(void)
{
  static const char *const names[] = {"index.html", "certificate.html", "verify.js", "style.css"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const struct static_file *f = static_find(names[i]);
    CHECK(f != NULL);
    if (!f) continue;
    size_t len = 0;
    char path[64];
    snprintf(path, sizeof path, "web/%s", names[i]);
    char *disk = unit_read_file(path, &len);
    CHECK(disk && len == f->len && memcmp(disk, f->data, len) == 0);
    free(disk);
    CHECK(strlen(f->etag) == 34 && f->etag[0] == '"' && f->etag[33] == '"');
  }
  CHECK(strncmp(static_find("verify.js")->ctype, "text/javascript", 15) == 0);
  CHECK(strncmp(static_find("style.css")->ctype, "text/css", 8) == 0);
  CHECK(static_find("missing.js") == NULL);
  CHECK(static_find("") == NULL);
  CHECK(strcmp(static_find("verify.js")->etag, static_find("style.css")->etag) != 0);
}

static void test_etag_matches(void)
{
  const char *tag = "\"0123456789abcdef0123456789abcdef\"";
  CHECK(static_etag_matches(tag, tag));
  CHECK(static_etag_matches("W/\"0123456789abcdef0123456789abcdef\"", tag));
  CHECK(static_etag_matches("\"x\", \"0123456789abcdef0123456789abcdef\" ", tag));
  CHECK(static_etag_matches("*", tag));
  CHECK(!static_etag_matches(NULL, tag));
  CHECK(!static_etag_matches("", tag));
  CHECK(!static_etag_matches("\"0123456789abcdef0123456789abcde\"", tag));
  CHECK(!static_etag_matches("\"0123456789abcdef0123456789abcdef\"x", tag));
  CHECK(!static_etag_matches(" , ,", tag));
}

/* Reads the path steps "M x y h n v1 h-n z" back into a side x side grid (1 = dark). */
static int svg_modules(const char *svg, unsigned char *grid, int side)
{
  const char *p = strstr(svg, " d=\"");
  if (!p) return -1;
  p += 4;
  int x, y, n, m, used;
  while (sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &m, &used) == 4) {
    if (n != m || x < 0 || y < 0 || x + n > side || y >= side) return -1;
    for (int i = 0; i < n; i++)
      grid[y * side + x + i] = 1;
    p += used;
  }
  return *p == '"' ? 0 : -1;
}

static void test_qr_svg(void)
{
  const char *url = "https://certs.example.org/c/3wg5nuupha2vl5a4zpc72tj37e";
  size_t len = 0;
  char *svg = qr_svg(url, &len);
  CHECK(svg && len == strlen(svg));
  QRcode *q = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  CHECK(q != NULL);
  if (!svg || !q) return;
  int side = q->width + 8;
  char box[64];
  snprintf(box, sizeof box, "viewBox=\"0 0 %d %d\"", side, side);
  CHECK(strstr(svg, box) != NULL);
  unsigned char *grid = calloc((size_t)side * (size_t)side, 1);
  CHECK(svg_modules(svg, grid, side) == 0);
  int same = 1;
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++) {
      int inside = x >= 4 && y >= 4 && x < q->width + 4 && y < q->width + 4;
      int dark = inside && (q->data[(y - 4) * q->width + (x - 4)] & 1);
      same &= grid[y * side + x] == dark;
    }
  CHECK(same);
  free(grid);
  QRcode_free(q);
  free(svg);
}

static void test_host_valid(void)
{
  static const char *const good[] = {
      "example.org", "certs.example.org:8443", "127.0.0.1:8080", "localhost",
      "[::1]:8080",  "[2001:db8::1]",          "a-b.c"};
  static const char *const bad[] = {"",         "-a.org",       "a..org",      "exa mple.org",
                                    "a.org:",   "a.org:0",      "a.org:65536", "a.org:80x",
                                    "evil\"/x", "a.org/path",   "[::1",        "[zz]:80",
                                    "::1",      "a.org:8080:9", "<script>",    "a_b.org"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    CHECK(config_host_valid(good[i], strlen(good[i])));
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK(!config_host_valid(bad[i], strlen(bad[i])));
    if (config_host_valid(bad[i], strlen(bad[i]))) fprintf(stderr, "    took %s\n", bad[i]);
  }
}

int main(void)
{
  RUN(test_files_embedded);
  RUN(test_etag_matches);
  RUN(test_qr_svg);
  RUN(test_host_valid);
  return UNIT_END();
}
