/* verdict.h: the public verdict on one of our certificates by its code (GET /v1/verify/{code}):
 * the one kept in the database when it still stands (one index lookup), else made from the
 * certificate's proof bundle, exactly as checking that bundle gives it, and kept once it is
 * settled. Any HTTP thread (uses its connection). */
#ifndef DDC_VERDICT_H
#define DDC_VERDICT_H
#include <jansson.h>
#include <stddef.h>
#include "errors.h"
#include "verify/bundle.h"

/* The verdict on a bundle against the log's own key and the configured witnesses (sent: a bundle
 * sent in from outside, which also gets the bundle_is_current check). NULL on failure. */
json_t *verdict_judge(json_t *bundle, int sent);
/* What kept verdicts are checked against (the log key, the witnesses, their quorum), as 32 hex
 * digits and a NUL. */
enum ddc_err verdict_trust(char out[33]);
/* The verdict on bundle b of the certificate with this code, made and kept as verdict_public makes
 * it (memo: NULL, or where a builder of many keeps the checkpoint's check; kept: NULL, or the
 * rows the verdict to keep is added to, for db_verdicts_put); the text as there. */
enum ddc_err verdict_from_bundle(const char *code, const char *trust, json_t *b,
                                 struct bundle_memo *memo, struct db_rows *kept, char **text,
                                 size_t *len, int *settled);
/* The verdict's JSON text on the certificate with this code (malloc'ed, its length in *len), with
 * its bundle_url; *settled: it is anchored and not invalid, fit to cache for a moment. */
enum ddc_err verdict_public(const char *code, char **text, size_t *len, int *settled);

#endif
