/* jcs.h: RFC 8785 JSON Canonicalization Scheme (JCS), the byte form that gets hashed and signed.
 * Numbers are IEEE-754 doubles (RFC 8785 §3.2.2.3): a json_integer is serialised as the double it
 * converts to, which is exact only for |v| <= 2^53 (9007199254740992). */
#ifndef DDC_JCS_H
#define DDC_JCS_H
#include <jansson.h>
#include <stddef.h>

/* Deepest nesting jcs_canonicalize accepts; jansson's parser stops at 2048 levels too. */
#define JCS_MAX_DEPTH 2048
/* Room for any jcs_format_number output and its NUL (the longest, "-0.0000012345678901234567", is
 * 25). */
#define JCS_NUMBER_MAX 32

/* The canonical form of value: a malloc'ed NUL-terminated UTF-8 string, its length in *len
 * (len may be NULL). NULL on failure: value NULL, a non-finite real, a string or key that is not
 * valid UTF-8, or nesting deeper than JCS_MAX_DEPTH (which also stops a cyclic tree). */
char *jcs_canonicalize(const json_t *value, size_t *len);

/* Parses text for canonicalization: any top-level value, duplicate names rejected, every number
 * read as a double (so 1e400 fails and 9007199254740993 becomes 9007199254740992), "\u0000"
 * allowed in strings (jansson refuses it in names). NULL with err filled on failure (err may be
 * NULL). */
json_t *jcs_parse(const char *text, size_t len, json_error_t *err);

/* Reads JSON whose numbers are IEEE doubles, such as a signed document (JCS text): like jcs_parse,
 * then each number that is a whole number within +-2^53 becomes a json integer and every other one
 * stays a real. json_loads refuses an integer beyond int64 ("100000000000000000000", the JCS form
 * of 1e20); this reads every number jcs_canonicalize can write. NULL with err filled on failure. */
json_t *jcs_load(const char *text, size_t len, json_error_t *err);

/* The bound on integers ddcd signs: +-2^53. JCS writes every number as an IEEE double, which holds
 * each integer only up to 2^53: an integer written beyond it would be signed as another number. A
 * number written with a fraction or an exponent is the double nearest to it, as in any JSON
 * reader, and every finite one is signed as it is. */
#define JCS_INTEGER_MAX 9007199254740992LL
#define JCS_INTEGER_RULE                                                                           \
  "integers must lie within +-2^53 (9007199254740992), where JSON numbers (IEEE doubles, RFC "     \
  "8785) hold them exactly; write larger ones as strings"

/* Whether an integer in v lies beyond +-JCS_INTEGER_MAX. path (cap bytes) holds v's own name,
 * maybe ""; when one does, it becomes that integer's name, as name.a.b[2] (cut short if it does
 * not fit). */
int jcs_integer_beyond(const json_t *v, char *path, size_t cap);

/* For text that jansson refused with json_error_numeric_overflow at byte pos (err.position: just
 * after an integer beyond int64), the name of that integer, as a.b[2], into path (cap bytes).
 * flags are the ones the text was read with. 0, or -1 when there is none (a real beyond the
 * double range, or text that is bad JSON besides). */
int jcs_overflow_name(const char *text, size_t len, int pos, size_t flags, char *path, size_t cap);

/* Writes x as ECMAScript Number.prototype.toString does (RFC 8785 §3.2.2.3) into out; returns the
 * length, or -1 when x is NaN or infinite. */
int jcs_format_number(double x, char out[JCS_NUMBER_MAX]);

#endif
