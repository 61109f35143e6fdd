/* kinds.c: the table behind kinds.h. */
#include <string.h>
#include "kinds.h"

const struct kind kinds[] = {
    {"copyright",
     {{"title", KIND_TEXT},
      {"authors", KIND_LIST},
      {"registration_no", KIND_TEXT},
      {"work_type", KIND_TEXT},
      {"created_on", KIND_DATE}}},
    {"diploma",
     {{"student_name", KIND_TEXT},
      {"student_id", KIND_TEXT},
      {"degree", KIND_TEXT},
      {"major", KIND_TEXT},
      {"institution", KIND_TEXT},
      {"conferred_on", KIND_DATE}}},
    {"generic", {{"title", KIND_TEXT}}},
};
const size_t kinds_count = sizeof kinds / sizeof kinds[0];
const char *const kinds_names[] = {"copyright", "diploma", "generic", NULL};
const char kinds_choice_text[] = "copyright, diploma or generic";

const struct kind *kinds_find(const char *name)
{
  for (size_t i = 0; name && i < kinds_count; i++)
    if (strcmp(kinds[i].name, name) == 0) return &kinds[i];
  return NULL;
}
