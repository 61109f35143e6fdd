/* test_docs.c: the map tells the truth. Every repository path the docs name in backticks
 * (every Markdown file in docs/, README.md, docker/README.md, tests/fuzz/README.md,
 * tests/vectors/README.md) exists: a path is a word that starts with one of the top-level folders
 * (service/, sql/, web/, tests/, docs/, scripts/, api/, docker/) or is a top-level file; patterns
 * (with *, NNN, <...> or {...}) and what follows a ':' or '#' are left out. Run from the repo root.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "unit.h"

static const char *const docs_roots[] = {"service/", "sql/", "web/",    "tests/", "docs/",
                                         "scripts/", "api/", "docker/", ".ci/"};

/* Whether the backticked word w[0..n) names a repository path we can check. */
static int docs_is_path(const char *w, size_t n)
{
  if (memchr(w, '*', n) || memchr(w, '<', n) || memchr(w, '{', n) || memchr(w, ' ', n) ||
      memchr(w, '$', n))
    return 0;
  for (size_t i = 0; i + 3 <= n; i++)
    if (!strncmp(w + i, "NNN", 3)) return 0;
  for (size_t i = 0; i < sizeof docs_roots / sizeof docs_roots[0]; i++)
    if (n > strlen(docs_roots[i]) && !strncmp(w, docs_roots[i], strlen(docs_roots[i]))) return 1;
  return (n == 8 && !strncmp(w, "Makefile", 8)) || (n == 9 && !strncmp(w, "README.md", 9));
}

/* Checks every path named in file; returns how many are missing (printed). */
static int docs_check_file(const char *file)
{
  char *text = unit_read_file(file, NULL);
  int missing = 0;
  if (!text) return 0; /* an optional doc */
  for (char *p = strchr(text, '`'); p; p = strchr(p + 1, '`')) {
    char *end = strchr(p + 1, '`');
    if (!end) break;
    size_t n = strcspn(p + 1, ":#`");
    if (docs_is_path(p + 1, n)) {
      char path[512];
      struct stat st;
      snprintf(path, sizeof path, "%.*s", (int)n, p + 1);
      size_t len = strlen(path);
      while (len > 1 && (path[len - 1] == '.' || path[len - 1] == ','))
        path[--len] = 0;
      if (stat(path, &st) != 0) {
        fprintf(stderr, "  %s names %s, which does not exist\n", file, path);
        missing++;
      }
    }
    p = end;
  }
  free(text);
  return missing;
}

static void test_paths_exist(void)
{
  int missing = docs_check_file("README.md") + docs_check_file("docker/README.md") +
                docs_check_file("tests/fuzz/README.md") +
                docs_check_file("tests/vectors/README.md");
  DIR *d = opendir("docs");
  CHECK(d != NULL);
  for (struct dirent *e; d && (e = readdir(d));) {
    size_t n = strlen(e->d_name);
    if (n > 3 && !strcmp(e->d_name + n - 3, ".md")) {
      char path[300];
      snprintf(path, sizeof path, "docs/%s", e->d_name);
      missing += docs_check_file(path);
    }
  }
  if (d) closedir(d);
  CHECK(missing == 0);
}

/* The checker itself: a path that exists passes, one that does not is counted. */
static void test_checker(void)
{
  CHECK(docs_is_path("service/errors.h", 16));
  CHECK(!docs_is_path("sql/schema/NNN_x.sql", 20));
  CHECK(!docs_is_path("GET /v1/verify", 14));
  CHECK(!docs_is_path("service/*.c", 11));
}

int main(void)
{
  RUN(test_checker);
  RUN(test_paths_exist);
  return UNIT_END();
}
