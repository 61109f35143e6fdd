/* api.h: every HTTP handler. Handlers parse and validate, call one domain function, render. */
#ifndef DDC_API_H
#define DDC_API_H
#include "http/request.h"

/* health.c */
void api_healthz(struct req *r);
void api_readyz(struct req *r);
void api_metrics(struct req *r);
/* accounts.c */
void api_accounts_create(struct req *r);
void api_accounts_get(struct req *r);
void api_accounts_list(struct req *r);
void api_accounts_freeze(struct req *r);
void api_accounts_unfreeze(struct req *r);
/* api_keys.c */
void api_keys_create(struct req *r);
void api_keys_list(struct req *r);
void api_keys_delete(struct req *r);

#endif
