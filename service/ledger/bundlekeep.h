/* bundlekeep.h: the proof bundles kept per certificate (sql/schema/031_kept_bundles.sql), so that
 * a public bundle is one index lookup: what a settled bundle was built from, kept with its text
 * (bundlekeep_add, by the verdict builder, and on request), and the public bundle as text, kept
 * or built. Any thread (uses its connection). */
#ifndef DDC_BUNDLEKEEP_H
#define DDC_BUNDLEKEEP_H
#include <jansson.h>
#include <stddef.h>
#include "db/ledger.h"
#include "errors.h"

/* Whether bundles are kept at all (DDC_KEEP_BUNDLES); off: bundlekeep_add adds nothing and
 * bundlekeep_public builds every bundle. Once, before any thread uses this. */
void bundlekeep_init(int on);
/* Adds to rows the row that keeps settled bundle b of the certificate with this code, built
 * against trust (verdict_trust), with its JSON text (NULL: rendered here); 0, or -1 when b lacks
 * what a row needs (then nothing is added). For db_bundles_keep. */
int bundlekeep_add(struct db_rows *rows, const char *code, const char *trust, json_t *b,
                   const char *text);
/* The public bundle of the certificate with this code as JSON text (malloc'ed, *len bytes): the
 * kept one while it stands, else built (bundle_build_settled) and kept when settled. *settled as
 * bundle_build_settled's, for a kept one as for one built from the same read. */
enum ddc_err bundlekeep_public(const char *code, char **text, size_t *len, int *settled);

#endif
