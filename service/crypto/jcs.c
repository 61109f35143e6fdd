/* jcs.c: RFC 8785 JSON Canonicalization Scheme. Owns the canonical byte form of a jansson tree:
 * no whitespace (§3.2.1), literals as is (§3.2.2.1), strings with the minimal escapes
 * (§3.2.2.2), numbers as ECMAScript Number.prototype.toString, ES2019 §7.1.12.1 (§3.2.2.3),
 * object members sorted by name as arrays of UTF-16 code units (§3.2.3), arrays in order. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jcs.h"

/* A growing output buffer; bad is set once an allocation fails. */
struct jcs_buf {
  char *data;
  size_t len, cap;
  int bad;
};

static void jcs_put(struct jcs_buf *b, const char *s, size_t n)
{
  if (b->bad) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
      b->bad = 1;
      return;
    }
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
}

static void jcs_puts(struct jcs_buf *b, const char *s)
{
  jcs_put(b, s, strlen(s));
}

static void jcs_putc(struct jcs_buf *b, char c)
{
  jcs_put(b, &c, 1);
}

/* ---- numbers (§3.2.2.3) ---- */

/* A positive decimal: the digits dig[0..k) times 10^q. */
struct jcs_dec {
  char dig[20];
  int k, q;
};

/* Reads the output of "%.*e" ("d.ddde+XX"; the point may be a locale's). */
static void jcs_dec_parse(struct jcs_dec *d, const char *buf)
{
  const char *e = strchr(buf, 'e');
  d->k = 0;
  for (const char *c = buf; c < e; c++)
    if (isdigit((unsigned char)*c)) d->dig[d->k++] = *c;
  d->dig[d->k] = 0;
  d->q = atoi(e + 1) - (d->k - 1);
}

/* The double nearest to d (the text has no decimal point, so no locale is involved). */
static double jcs_dec_value(const struct jcs_dec *d)
{
  char buf[48];
  snprintf(buf, sizeof buf, "%se%d", d->dig, d->q);
  return strtod(buf, NULL);
}

/* Adds one unit in the last place: 1.99 becomes 2.00, 9.9 becomes 10.0. */
static void jcs_dec_up(struct jcs_dec *d)
{
  int i = d->k - 1;
  for (; i >= 0 && d->dig[i] == '9'; i--)
    d->dig[i] = '0';
  if (i >= 0) {
    d->dig[i]++;
    return;
  }
  memmove(d->dig + 1, d->dig, (size_t)d->k + 1);
  d->dig[0] = '1';
  d->k++;
}

/* The fewest significant digits (1..17) that read back as x (finite, > 0), trailing zeros
 * dropped. %.*e gives the nearest p-digit decimal, which reads back whenever any p-digit decimal
 * does, except just above a power of two: there the gap below x is half the gap above, so the
 * nearest may miss below while the next p-digit decimal up still reads back as x. */
static void jcs_shortest(double x, struct jcs_dec *d)
{
  char buf[40];
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, sizeof buf, "%.*e", p - 1, x);
    jcs_dec_parse(d, buf);
    double v = jcs_dec_value(d);
    if (v == x) break;
    if (v < x) {
      jcs_dec_up(d);
      if (jcs_dec_value(d) == x) break;
    }
  }
  while (d->k > 1 && d->dig[d->k - 1] == '0') {
    d->dig[--d->k] = 0;
    d->q++;
  }
}

/* Appends n copies of c at out[o]; returns the new offset. */
static int jcs_fill(char *out, int o, char c, int n)
{
  for (int i = 0; i < n; i++)
    out[o++] = c;
  return o;
}

/* ES2019 §7.1.12.1 steps 6-10: k digits dig, decimal point after n digits, for x > 0. */
static int jcs_place_digits(char *out, int o, const char *dig, int k, int n)
{
  if (k <= n && n <= 21) {
    memcpy(out + o, dig, k);
    return jcs_fill(out, o + k, '0', n - k);
  }
  if (0 < n && n <= 21) {
    memcpy(out + o, dig, n);
    out[o + n] = '.';
    memcpy(out + o + n + 1, dig + n, k - n);
    return o + k + 1;
  }
  if (-6 < n && n <= 0) {
    o = jcs_fill(out, o, '0', 1);
    out[o++] = '.';
    o = jcs_fill(out, o, '0', -n);
    memcpy(out + o, dig, k);
    return o + k;
  }
  out[o++] = dig[0];
  if (k > 1) {
    out[o++] = '.';
    memcpy(out + o, dig + 1, k - 1);
    o += k - 1;
  }
  return o + sprintf(out + o, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
}

int jcs_format_number(double x, char out[JCS_NUMBER_MAX])
{
  if (!isfinite(x)) return -1;
  if (x == 0) { /* +0 and -0 */
    strcpy(out, "0");
    return 1;
  }
  int o = 0;
  if (x < 0) {
    out[o++] = '-';
    x = -x;
  }
  struct jcs_dec d;
  jcs_shortest(x, &d);
  o = jcs_place_digits(out, o, d.dig, d.k, d.q + d.k); /* the point goes after q + k digits */
  out[o] = 0;
  return o;
}

static int jcs_write_number(struct jcs_buf *b, double x)
{
  char num[JCS_NUMBER_MAX];
  int n = jcs_format_number(x, num);
  if (n < 0) return -1;
  jcs_put(b, num, (size_t)n);
  return 0;
}

/* ---- strings (§3.2.2.2) ---- */

/* Decodes the UTF-8 sequence at s (n > 0 bytes left) into *cp; returns its length, or 0 when it
 * is not well-formed (overlong, a surrogate, above U+10FFFF, truncated). */
static size_t jcs_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
  size_t len;
  uint32_t v, min;
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if (s[0] >= 0xC2 && s[0] <= 0xDF)
    len = 2, v = s[0] & 0x1F, min = 0x80;
  else if ((s[0] & 0xF0) == 0xE0)
    len = 3, v = s[0] & 0x0F, min = 0x800;
  else if (s[0] >= 0xF0 && s[0] <= 0xF4)
    len = 4, v = s[0] & 0x07, min = 0x10000;
  else
    return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

static int jcs_utf8_valid(const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  uint32_t cp;
  for (size_t i = 0; i < n;) {
    size_t l = jcs_utf8_next(p + i, n - i, &cp);
    if (l == 0) return 0;
    i += l;
  }
  return 1;
}

/* A control character: \b \t \n \f \r short, the others as \u00xx with lowercase hex. */
static void jcs_write_control(struct jcs_buf *b, unsigned char c)
{
  static const char short_esc[] = "btn\0fr";
  char esc[8];
  if (c >= '\b' && c <= '\r' && short_esc[c - '\b']) {
    esc[0] = '\\';
    esc[1] = short_esc[c - '\b'];
    jcs_put(b, esc, 2);
    return;
  }
  snprintf(esc, sizeof esc, "\\u%04x", c);
  jcs_puts(b, esc);
}

/* Writes s (n bytes) quoted: only '"', '\\' and U+0000..U+001F are escaped, everything else
 * (U+007F, U+2028, non-ASCII) is copied as UTF-8. -1 when s is not valid UTF-8. */
static int jcs_write_string(struct jcs_buf *b, const char *s, size_t n)
{
  if (!jcs_utf8_valid(s, n)) return -1;
  jcs_putc(b, '"');
  size_t run = 0; /* start of the bytes not yet written */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    jcs_put(b, s + run, i - run);
    run = i + 1;
    if (c < 0x20) {
      jcs_write_control(b, c);
    } else {
      jcs_putc(b, '\\');
      jcs_putc(b, (char)c);
    }
  }
  jcs_put(b, s + run, n - run);
  jcs_putc(b, '"');
  return 0;
}

/* ---- objects (§3.2.3) ---- */

/* Reads valid UTF-8 as UTF-16 code units. */
struct jcs_u16 {
  const unsigned char *p, *end;
  uint32_t low; /* the low surrogate still to return, or 0 */
};

/* The next UTF-16 code unit, or -1 at the end. */
static long jcs_u16_next(struct jcs_u16 *it)
{
  uint32_t cp;
  if (it->low) {
    cp = it->low;
    it->low = 0;
    return cp;
  }
  size_t l = it->p < it->end ? jcs_utf8_next(it->p, (size_t)(it->end - it->p), &cp) : 0;
  if (l == 0) return -1;
  it->p += l;
  if (cp < 0x10000) return cp;
  cp -= 0x10000;
  it->low = 0xDC00 | (cp & 0x3FF);
  return 0xD800 | (cp >> 10);
}

struct jcs_member {
  const char *key;
  size_t len;
  const json_t *value;
};

/* qsort order of members: their names as arrays of UTF-16 code units, unsigned, shorter first. */
static int jcs_member_cmp(const void *pa, const void *pb)
{
  const struct jcs_member *a = pa, *b = pb;
  struct jcs_u16 ia = {(const unsigned char *)a->key, (const unsigned char *)a->key + a->len, 0};
  struct jcs_u16 ib = {(const unsigned char *)b->key, (const unsigned char *)b->key + b->len, 0};
  for (;;) {
    long ua = jcs_u16_next(&ia), ub = jcs_u16_next(&ib);
    if (ua != ub) return ua < ub ? -1 : 1;
    if (ua < 0) return 0;
  }
}

static int jcs_write_value(struct jcs_buf *b, const json_t *v, int depth);

/* The members of obj, names checked as UTF-8 and sorted; NULL when none or on failure (*n is
 * set to (size_t)-1 on failure). */
static struct jcs_member *jcs_sorted_members(const json_t *obj, size_t *n)
{
  *n = json_object_size(obj);
  if (*n == 0) return NULL;
  struct jcs_member *m = malloc(*n * sizeof *m);
  size_t i = 0;
  const char *key;
  size_t klen;
  json_t *v;
  if (!m) goto fail;
  json_object_keylen_foreach((json_t *)obj, key, klen, v)
  {
    if (i == *n || !jcs_utf8_valid(key, klen)) goto fail;
    m[i++] = (struct jcs_member){key, klen, v};
  }
  if (i != *n) goto fail;
  qsort(m, *n, sizeof *m, jcs_member_cmp);
  return m;
fail:
  free(m);
  *n = (size_t)-1;
  return NULL;
}

static int jcs_write_object(struct jcs_buf *b, const json_t *obj, int depth)
{
  size_t n;
  struct jcs_member *m = jcs_sorted_members(obj, &n);
  if (n == (size_t)-1) return -1;
  int rc = 0;
  jcs_putc(b, '{');
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (i) jcs_putc(b, ',');
    jcs_write_string(b, m[i].key, m[i].len);
    jcs_putc(b, ':');
    rc = jcs_write_value(b, m[i].value, depth + 1);
  }
  jcs_putc(b, '}');
  free(m);
  return rc;
}

static int jcs_write_array(struct jcs_buf *b, const json_t *arr, int depth)
{
  jcs_putc(b, '[');
  for (size_t i = 0; i < json_array_size(arr); i++) {
    if (i) jcs_putc(b, ',');
    if (jcs_write_value(b, json_array_get(arr, i), depth + 1) != 0) return -1;
  }
  jcs_putc(b, ']');
  return 0;
}

/* Integers go through the double they convert to (exact for |v| <= 2^53), as RFC 8785 wants. */
static int jcs_write_value(struct jcs_buf *b, const json_t *v, int depth)
{
  if (!v || depth > JCS_MAX_DEPTH) return -1;
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return jcs_write_object(b, v, depth);
  case JSON_ARRAY:
    return jcs_write_array(b, v, depth);
  case JSON_STRING:
    return jcs_write_string(b, json_string_value(v), json_string_length(v));
  case JSON_INTEGER:
    return jcs_write_number(b, (double)json_integer_value(v));
  case JSON_REAL:
    return jcs_write_number(b, json_real_value(v));
  case JSON_TRUE:
    jcs_puts(b, "true");
    return 0;
  case JSON_FALSE:
    jcs_puts(b, "false");
    return 0;
  case JSON_NULL:
    jcs_puts(b, "null");
    return 0;
  }
  return -1;
}

char *jcs_canonicalize(const json_t *value, size_t *len)
{
  struct jcs_buf b = {0};
  int rc = jcs_write_value(&b, value, 0);
  jcs_put(&b, "", 0); /* an empty result still gets its NUL */
  if (rc != 0 || b.bad) {
    free(b.data);
    return NULL;
  }
  if (len) *len = b.len;
  return b.data;
}

json_t *jcs_parse(const char *text, size_t len, json_error_t *err)
{
  return json_loadb(
      text, len,
      JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, err);
}

/* A new integer for x when x is a real holding a whole number within +-2^53; NULL otherwise. */
static json_t *jcs_whole(const json_t *x)
{
  double d = json_is_real(x) ? json_real_value(x) : 0.5;
  return d == trunc(d) && fabs(d) <= 9007199254740992.0 ? json_integer((json_int_t)d) : NULL;
}

/* Turns each real below v that holds a whole number within +-2^53 into an integer, in place (the
 * parser bounds the depth). Returns 0, or -1 when an allocation failed. */
static int jcs_integers(json_t *v)
{
  size_t i;
  const char *k;
  json_t *x, *n;
  int rc = 0;
  if (json_is_array(v)) json_array_foreach(v, i, x)
    {
      if (rc == 0) rc = (n = jcs_whole(x)) ? json_array_set_new(v, i, n) : jcs_integers(x);
    }
  if (json_is_object(v)) json_object_foreach(v, k, x)
    {
      if (rc == 0) rc = (n = jcs_whole(x)) ? json_object_set_new(v, k, n) : jcs_integers(x);
    }
  return rc;
}

json_t *jcs_load(const char *text, size_t len, json_error_t *err)
{
  json_t *v = jcs_parse(text, len, err), *n = v ? jcs_whole(v) : NULL;
  if (n) {
    json_decref(v);
    return n;
  }
  if (v && jcs_integers(v) != 0) {
    json_decref(v);
    v = NULL;
  }
  return v;
}

/* Whether a value below v (v itself included) is one hit looks for; path[0..len) names v, and then
 * names that value. */
static int jcs_find_at(const json_t *v, int (*hit)(const json_t *), char *path, size_t cap,
                       size_t len)
{
  size_t i;
  const char *k;
  json_t *x;
  if (hit(v)) return 1;
  if (json_is_array(v)) json_array_foreach(v, i, x)
    {
      int n = snprintf(path + len, cap - len, "[%zu]", i);
      if (jcs_find_at(x, hit, path, cap, len + (size_t)n >= cap ? cap - 1 : len + (size_t)n))
        return 1;
    }
  if (json_is_object(v)) json_object_foreach((json_t *)v, k, x)
    {
      int n = snprintf(path + len, cap - len, len ? ".%s" : "%s", k);
      if (jcs_find_at(x, hit, path, cap, len + (size_t)n >= cap ? cap - 1 : len + (size_t)n))
        return 1;
    }
  path[len] = 0;
  return 0;
}

static int jcs_is_integer_beyond(const json_t *v)
{
  return json_is_integer(v) &&
         (json_integer_value(v) > JCS_INTEGER_MAX || json_integer_value(v) < -JCS_INTEGER_MAX);
}

int jcs_integer_beyond(const json_t *v, char *path, size_t cap)
{
  return cap > 0 && jcs_find_at(v, jcs_is_integer_beyond, path, cap, strnlen(path, cap - 1));
}

/* The stand-in for an integer beyond int64: a string no body can hold (they are read without
 * JSON_ALLOW_NUL). */
#define JCS_OVERFLOW_MARK "\"\\u0000\""

static int jcs_is_overflow_mark(const json_t *v)
{
  return json_is_string(v) && json_string_length(v) == 1 && json_string_value(v)[0] == 0;
}

/* Replaces the integer that ends at text[pos] with the mark, in a new buffer; NULL when what ends
 * there is no integer (the exponent of a real beyond the double range). */
static char *jcs_mark_overflow(const char *text, size_t len, size_t pos, size_t *out_len)
{
  if (pos > len) return NULL;
  size_t start = pos;
  while (start > 0 && isdigit((unsigned char)text[start - 1]))
    start--;
  if (start > 0 && text[start - 1] == '-') start--;
  if (start == pos || (start > 0 && strchr(".eE+", text[start - 1]))) return NULL;
  size_t mark = sizeof JCS_OVERFLOW_MARK - 1;
  char *out = malloc(len - (pos - start) + mark + 1);
  if (!out) return NULL;
  memcpy(out, text, start);
  memcpy(out + start, JCS_OVERFLOW_MARK, mark);
  memcpy(out + start + mark, text + pos, len - pos);
  *out_len = len - (pos - start) + mark;
  out[*out_len] = 0;
  return out;
}

int jcs_overflow_name(const char *text, size_t len, int pos, size_t flags, char *path, size_t cap)
{
  char *cur = NULL;
  json_t *v = NULL;
  json_error_t err = {.position = pos};
  for (int round = 0; round < 64 && !v && err.position >= 0; round++) {
    size_t n;
    char *next =
        jcs_mark_overflow(cur ? cur : text, cur ? strlen(cur) : len, (size_t)err.position, &n);
    free(cur);
    if (!(cur = next)) break;
    v = json_loadb(cur, n, flags | JSON_ALLOW_NUL, &err);
    if (!v && json_error_code(&err) != json_error_numeric_overflow) break;
  }
  free(cur);
  int found = v && cap > 0 && (path[0] = 0, jcs_find_at(v, jcs_is_overflow_mark, path, cap, 0));
  json_decref(v);
  return found ? 0 : -1;
}
