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

/* Writes x as ECMAScript Number.prototype.toString does (RFC 8785 §3.2.2.3) into out; returns the
 * length, or -1 when x is NaN or infinite. */
int jcs_format_number(double x, char out[JCS_NUMBER_MAX]);

#endif
