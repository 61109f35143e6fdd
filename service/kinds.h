/* kinds.h: the registry of certificate kinds and the metadata members each one requires, in the
 * order a reader meets them (the citizen's page shows them so). The mint rule (domain/cert.c), the
 * kind= parameters of the API, web/certificate.js and the OpenAPI metadata schemas all follow this
 * table; tests/unit/test_kinds.c checks the last two against it. Constant data: any thread. */
#ifndef DDC_KINDS_H
#define DDC_KINDS_H
#include <stddef.h>

enum kind_member_type {
  KIND_TEXT, /* a non-empty string */
  KIND_DATE, /* YYYY-MM-DD */
  KIND_LIST, /* 1 to KIND_LIST_ITEMS non-empty strings */
};

#define KIND_MEMBERS_MAX 6
#define KIND_LIST_ITEMS 100
#define KIND_LIST_ITEMS_TEXT "100"

struct kind_member {
  const char *name;
  enum kind_member_type type;
};

struct kind {
  const char *name;
  struct kind_member required[KIND_MEMBERS_MAX]; /* ends at the first with a NULL name */
};

extern const struct kind kinds[];
extern const size_t kinds_count;
/* The kinds' names, NULL-terminated: the choices of a kind= parameter. */
extern const char *const kinds_names[];
/* "copyright, diploma or generic", for a refusal. */
extern const char kinds_choice_text[];

/* The kind of this name, or NULL. */
const struct kind *kinds_find(const char *name);

#endif
