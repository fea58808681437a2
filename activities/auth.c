/*
 * activities/auth.c -- credentials for HTTP activities
 *
 * Reads ADF authentication objects and plans token requests the way the
 * Azure SDKs' credential chains do (App Service MI endpoint, environment
 * service principal, Azure CLI, VM metadata endpoint), but performs no
 * HTTP itself: web.c sends the planned requests through its transport so
 * mocks, rewrites, the request log and redaction apply to them too.
 */
#include "activities/auth.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "expr/json.h"
#include "expr/strbuf.h"

/* ---- Small helpers ------------------------------------------------------- */

unsigned char *auth_base64_decode(const char *s, size_t len, size_t *out_len)
{
  unsigned char *out = xmalloc(len / 4 * 3 + 4);
  size_t n = 0;
  unsigned acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; i++) {
    int c = (unsigned char)s[i], v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=' || isspace(c))
      continue;
    else {
      free(out);
      return NULL;
    }
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (unsigned char)(acc >> bits);
    }
  }
  *out_len = n;
  return out;
}

static void base64_encode(StrBuf *sb, const unsigned char *p, size_t len)
{
  static const char tab[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < len; i += 3) {
    unsigned v = (unsigned)p[i] << 16;
    if (i + 1 < len)
      v |= (unsigned)p[i + 1] << 8;
    if (i + 2 < len)
      v |= p[i + 2];
    sb_putc(sb, tab[(v >> 18) & 63]);
    sb_putc(sb, tab[(v >> 12) & 63]);
    sb_putc(sb, i + 1 < len ? tab[(v >> 6) & 63] : '=');
    sb_putc(sb, i + 2 < len ? tab[v & 63] : '=');
  }
}

char *auth_urlencode(const char *s)
{
  StrBuf sb;
  sb_init(&sb);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      sb_putc(&sb, (char)c);
    else
      sb_printf(&sb, "%%%02X", c);
  }
  return sb_take(&sb);
}

/* A string property, SecureString unwrapped.  Returns a malloc'd copy,
 * NULL when absent; sets *err for unsupported shapes. */
static char *secret_prop(const Value *obj, const char *key, Err *err)
{
  const Value *v = val_object_peek_ci(obj, key, strlen(key));
  if (!v || val_kind(v) == VAL_NULL)
    return NULL;
  if (val_kind(v) == VAL_STRING)
    return xstrdup(val_str(v));
  if (val_kind(v) == VAL_OBJECT) {
    const Value *t = val_object_peek_ci(v, "type", 4);
    const Value *x = val_object_peek_ci(v, "value", 5);
    if (t && val_kind(t) == VAL_STRING &&
        strcasecmp(val_str(t), "SecureString") == 0 && x &&
        val_kind(x) == VAL_STRING)
      return xstrdup(val_str(x));
    if (t && val_kind(t) == VAL_STRING &&
        strcasecmp(val_str(t), "AzureKeyVaultSecret") == 0) {
      err_set(err, ERR_WEB_AUTH, NULL,
              "authentication.%s: Azure Key Vault secret references cannot "
              "be resolved locally; pass the value as a SecureString or a "
              "pipeline parameter",
              key);
      return NULL;
    }
  }
  err_set(err, ERR_WEB_AUTH, NULL,
          "authentication.%s: expected a string or SecureString, got %s", key,
          val_kind_name(val_kind(v)));
  return NULL;
}

/* ---- Specs ----------------------------------------------------------------
 */

const char *auth_kind_name(AuthKind k)
{
  switch (k) {
  case AUTH_NONE:
    return "None";
  case AUTH_BASIC:
    return "Basic";
  case AUTH_MSI:
    return "MSI";
  case AUTH_UAMI:
    return "UserAssignedManagedIdentity";
  case AUTH_SP_SECRET:
  case AUTH_SP_CERT:
    return "ServicePrincipal";
  case AUTH_CLIENT_CERT:
    return "ClientCertificate";
  }
  return "?";
}

bool auth_needs_token(const AuthSpec *spec)
{
  return spec->kind == AUTH_MSI || spec->kind == AUTH_UAMI ||
         spec->kind == AUTH_SP_SECRET || spec->kind == AUTH_SP_CERT;
}

void auth_spec_fini(AuthSpec *spec)
{
  free(spec->resource);
  free(spec->username);
  free(spec->password);
  free(spec->tenant);
  free(spec->pfx);
  free(spec->mi_res_id);
  free(spec->mi_client_id);
  memset(spec, 0, sizeof *spec);
}

static bool decode_pfx(AuthSpec *out, char *b64, Err *err)
{
  out->pfx = auth_base64_decode(b64, strlen(b64), &out->pfx_len);
  free(b64);
  if (!out->pfx || out->pfx_len == 0)
    return err_set(err, ERR_WEB_BAD_PFX, NULL,
                   "authentication.pfx is not valid base64-encoded PFX data");
  return true;
}

/* Reads the user-assigned identity behind a credential reference. */
static bool resolve_credential(const Value *auth, const Factory *factory,
                               AuthSpec *out, Err *err)
{
  const Value *cred = val_object_peek_ci(auth, "credential", 10);
  const Value *ref = cred && val_kind(cred) == VAL_OBJECT
                         ? val_object_peek_ci(cred, "referenceName", 13)
                         : NULL;
  if (!ref || val_kind(ref) != VAL_STRING)
    return true; /* identity chosen by the environment (AZURE_CLIENT_ID) */
  Resource *r =
      factory ? factory_resource(factory, RES_CREDENTIAL, val_str(ref)) : NULL;
  if (!r)
    return err_set(err, ERR_WEB_AUTH, NULL,
                   "authentication.credential: credential '%s' is not defined "
                   "in the factory",
                   val_str(ref));
  const Value *props = val_object_peek_ci(r->raw, "properties", 10);
  const Value *tp =
      props ? val_object_peek_ci(props, "typeProperties", 14) : NULL;
  const Value *rid = tp ? val_object_peek_ci(tp, "resourceId", 10) : NULL;
  const Value *cid = tp ? val_object_peek_ci(tp, "clientId", 8) : NULL;
  if (rid && val_kind(rid) == VAL_STRING)
    out->mi_res_id = xstrdup(val_str(rid));
  if (cid && val_kind(cid) == VAL_STRING)
    out->mi_client_id = xstrdup(val_str(cid));
  return true;
}

bool auth_spec_parse(const Value *auth, const Factory *factory, AuthSpec *out,
                     Err *err)
{
  memset(out, 0, sizeof *out);
  if (!auth || val_kind(auth) == VAL_NULL)
    return true;
  if (val_kind(auth) != VAL_OBJECT)
    return err_set(err, ERR_WEB_AUTH, NULL,
                   "authentication: expected an object, got %s",
                   val_kind_name(val_kind(auth)));
  const Value *t = val_object_peek_ci(auth, "type", 4);
  if (!t || val_kind(t) != VAL_STRING)
    return err_set(err, ERR_WEB_AUTH, NULL, "authentication.type is required");
  const char *type = val_str(t);
  const Value *res = val_object_peek_ci(auth, "resource", 8);
  if (res && val_kind(res) == VAL_STRING)
    out->resource = xstrdup(val_str(res));

  if (strcasecmp(type, "Basic") == 0) {
    out->kind = AUTH_BASIC;
    out->username = secret_prop(auth, "username", err);
    out->password = secret_prop(auth, "password", err);
    if (err_is_set(err))
      goto fail;
    if (!out->username) {
      err_set(err, ERR_WEB_AUTH, NULL,
              "authentication.username is required for Basic");
      goto fail;
    }
    return true;
  }
  if (strcasecmp(type, "ClientCertificate") == 0) {
    out->kind = AUTH_CLIENT_CERT;
    char *pfx = secret_prop(auth, "pfx", err);
    out->password = secret_prop(auth, "password", err);
    if (err_is_set(err)) {
      free(pfx);
      goto fail;
    }
    if (!pfx) {
      err_set(err, ERR_WEB_AUTH, NULL,
              "authentication.pfx is required for ClientCertificate");
      goto fail;
    }
    if (!decode_pfx(out, pfx, err))
      goto fail;
    return true;
  }
  bool is_msi = strcasecmp(type, "MSI") == 0 ||
                strcasecmp(type, "SystemAssignedManagedIdentity") == 0 ||
                strcasecmp(type, "ManagedServiceIdentity") == 0;
  bool is_uami = strcasecmp(type, "UserAssignedManagedIdentity") == 0;
  if (is_msi || is_uami) {
    out->kind = is_msi ? AUTH_MSI : AUTH_UAMI;
    if (!out->resource) {
      err_set(err, ERR_WEB_AUTH, NULL,
              "authentication.resource is required for %s", type);
      goto fail;
    }
    if (is_uami && !resolve_credential(auth, factory, out, err))
      goto fail;
    return true;
  }
  if (strcasecmp(type, "ServicePrincipal") == 0) {
    /* doc form: tenant, servicePrincipalId, servicePrincipalKey;
     * swagger form: userTenant, username, password or pfx. */
    out->tenant = secret_prop(auth, "tenant", err);
    if (!out->tenant)
      out->tenant = secret_prop(auth, "userTenant", err);
    out->username = secret_prop(auth, "servicePrincipalId", err);
    if (!out->username)
      out->username = secret_prop(auth, "username", err);
    out->password = secret_prop(auth, "servicePrincipalKey", err);
    if (!out->password)
      out->password = secret_prop(auth, "password", err);
    char *pfx = secret_prop(auth, "pfx", err);
    if (!pfx)
      pfx = secret_prop(auth, "servicePrincipalCert", err);
    if (err_is_set(err)) {
      free(pfx);
      goto fail;
    }
    out->kind = pfx ? AUTH_SP_CERT : AUTH_SP_SECRET;
    if (pfx && !decode_pfx(out, pfx, err))
      goto fail;
    if (!out->tenant || !out->username || (!pfx && !out->password) ||
        !out->resource) {
      err_set(err, ERR_WEB_AUTH, NULL,
              "ServicePrincipal authentication needs tenant (or userTenant), "
              "servicePrincipalId (or username), servicePrincipalKey (or "
              "password) and resource");
      goto fail;
    }
    return true;
  }
  err_set(err, ERR_WEB_AUTH, NULL,
          "authentication.type '%s' is not supported (expected Basic, "
          "ClientCertificate, MSI, UserAssignedManagedIdentity or "
          "ServicePrincipal)",
          type);
fail:
  auth_spec_fini(out);
  return false;
}

char *auth_basic_header(const AuthSpec *spec)
{
  StrBuf raw, sb;
  sb_init(&raw);
  sb_printf(&raw, "%s:%s", spec->username ? spec->username : "",
            spec->password ? spec->password : "");
  sb_init(&sb);
  sb_puts(&sb, "Authorization: Basic ");
  base64_encode(&sb, (const unsigned char *)raw.s, raw.len);
  sb_fini(&raw);
  return sb_take(&sb);
}

/* ---- Token sources ------------------------------------------------------- */

const char *auth_source_name(TokenSourceKind k)
{
  switch (k) {
  case TOKSRC_APP_SERVICE:
    return "App Service managed identity endpoint (IDENTITY_ENDPOINT)";
  case TOKSRC_ENV_SECRET:
    return "environment service principal (AZURE_TENANT_ID, "
           "AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)";
  case TOKSRC_AZURE_CLI:
    return "Azure CLI (az account get-access-token)";
  case TOKSRC_IMDS:
    return "VM instance metadata endpoint";
  case TOKSRC_SP_SECRET:
    return "service principal client secret";
  }
  return "?";
}

static const char *env_nonempty(const char *name)
{
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

static bool on_path(const char *prog)
{
  const char *path = getenv("PATH");
  if (!path)
    return false;
  char *copy = xstrdup(path);
  bool found = false;
  for (char *p = copy; p && !found;) {
    char *colon = strchr(p, ':');
    if (colon)
      *colon = '\0';
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", *p ? p : ".", prog);
    found = access(full, X_OK) == 0;
    p = colon ? colon + 1 : NULL;
  }
  free(copy);
  return found;
}

static void add_header(TokenSource *s, const char *name, const char *v)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb, "%s: %s", name, v);
  s->headers = xrealloc(s->headers, (s->n_headers + 1) * sizeof *s->headers);
  s->headers[s->n_headers++] = sb_take(&sb);
}

/* "resource/.default" as the SDKs turn a v1 resource into a v2 scope. */
static char *scope_of(const char *resource)
{
  StrBuf sb;
  sb_init(&sb);
  size_t n = strlen(resource);
  while (n > 0 && resource[n - 1] == '/')
    n--;
  sb_put(&sb, resource, n);
  sb_puts(&sb, "/.default");
  return sb_take(&sb);
}

static void secret_post(TokenSource *s, const char *tenant,
                        const char *client_id, const char *secret,
                        const char *resource)
{
  const char *host = env_nonempty("AZURE_AUTHORITY_HOST");
  if (!host)
    host = "https://login.microsoftonline.com";
  size_t hl = strlen(host);
  while (hl > 0 && host[hl - 1] == '/')
    hl--;
  StrBuf sb;
  sb_init(&sb);
  sb_put(&sb, host, hl);
  char *t = auth_urlencode(tenant);
  sb_printf(&sb, "/%s/oauth2/v2.0/token", t);
  free(t);
  s->method = xstrdup("POST");
  s->url = sb_take(&sb);
  char *scope = scope_of(resource);
  char *e_id = auth_urlencode(client_id), *e_sec = auth_urlencode(secret),
       *e_scope = auth_urlencode(scope);
  sb_init(&sb);
  sb_printf(&sb,
            "grant_type=client_credentials&client_id=%s&client_secret=%s"
            "&scope=%s",
            e_id, e_sec, e_scope);
  s->body = sb_take(&sb);
  free(e_id);
  free(e_sec);
  free(e_scope);
  free(scope);
  add_header(s, "Content-Type", "application/x-www-form-urlencoded");
}

/* Appends "&name=value" for the user-assigned identity, if any. */
static void identity_params(StrBuf *sb, const AuthSpec *spec, bool imds)
{
  if (spec->kind != AUTH_UAMI)
    return;
  const char *cid = spec->mi_client_id;
  if (!cid && !spec->mi_res_id)
    cid = env_nonempty("AZURE_CLIENT_ID");
  if (cid) {
    char *e = auth_urlencode(cid);
    sb_printf(sb, "&client_id=%s", e);
    free(e);
  } else if (spec->mi_res_id) {
    char *e = auth_urlencode(spec->mi_res_id);
    sb_printf(sb, "&%s=%s", imds ? "msi_res_id" : "mi_res_id", e);
    free(e);
  }
}

size_t auth_sources(const AuthSpec *spec, TokenSource **out, Err *err)
{
  *out = NULL;
  if (spec->kind == AUTH_SP_CERT) {
    err_set(err, ERR_WEB_AUTH, NULL,
            "ServicePrincipal with a certificate needs a signed client "
            "assertion, which adfrun cannot make; use a client secret");
    return 0;
  }
  TokenSource *s = xcalloc(4, sizeof *s);
  size_t n = 0;
  char *res = auth_urlencode(spec->resource ? spec->resource : "");
  if (spec->kind == AUTH_SP_SECRET) {
    s[n].kind = TOKSRC_SP_SECRET;
    secret_post(&s[n++], spec->tenant, spec->username, spec->password,
                spec->resource);
    free(res);
    *out = s;
    return n;
  }
  const char *ep = env_nonempty("IDENTITY_ENDPOINT");
  const char *hdr = env_nonempty("IDENTITY_HEADER");
  if (ep && hdr) {
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%s%sresource=%s&api-version=2019-08-01", ep,
              strchr(ep, '?') ? "&" : "?", res);
    identity_params(&sb, spec, false);
    s[n].kind = TOKSRC_APP_SERVICE;
    s[n].method = xstrdup("GET");
    s[n].url = sb_take(&sb);
    add_header(&s[n], "X-IDENTITY-HEADER", hdr);
    n++;
  }
  const char *tenant = env_nonempty("AZURE_TENANT_ID");
  const char *cid = env_nonempty("AZURE_CLIENT_ID");
  const char *secret = env_nonempty("AZURE_CLIENT_SECRET");
  if (tenant && cid && secret && spec->kind == AUTH_MSI) {
    s[n].kind = TOKSRC_ENV_SECRET;
    secret_post(&s[n++], tenant, cid, secret, spec->resource);
  }
  if (on_path("az"))
    s[n++].kind = TOKSRC_AZURE_CLI;
  const char *host = env_nonempty("AZURE_POD_IDENTITY_AUTHORITY_HOST");
  if (!host)
    host = "http://169.254.169.254";
  StrBuf sb;
  sb_init(&sb);
  size_t hl = strlen(host);
  while (hl > 0 && host[hl - 1] == '/')
    hl--;
  if (!strstr(host, "://"))
    sb_puts(&sb, "http://");
  sb_put(&sb, host, hl);
  sb_printf(&sb,
            "/metadata/identity/oauth2/token?api-version=2018-02-01"
            "&resource=%s",
            res);
  identity_params(&sb, spec, true);
  s[n].kind = TOKSRC_IMDS;
  s[n].method = xstrdup("GET");
  s[n].url = sb_take(&sb);
  add_header(&s[n], "Metadata", "true");
  n++;
  free(res);
  *out = s;
  return n;
}

void auth_sources_free(TokenSource *src, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(src[i].method);
    free(src[i].url);
    for (size_t j = 0; j < src[i].n_headers; j++)
      free(src[i].headers[j]);
    free(src[i].headers);
    free(src[i].body);
  }
  free(src);
}

/* ---- Token answers ------------------------------------------------------- */

static bool int_of(const Value *v, int64_t *out)
{
  if (!v)
    return false;
  if (val_kind(v) == VAL_INT) {
    *out = val_get_int(v);
    return true;
  }
  if (val_kind(v) == VAL_FLOAT) {
    *out = (int64_t)val_get_float(v);
    return true;
  }
  if (val_kind(v) == VAL_STRING) {
    char *end;
    long long x = strtoll(val_str(v), &end, 10);
    if (end != val_str(v) && *end == '\0') {
      *out = x;
      return true;
    }
  }
  return false;
}

char *auth_token_parse(const char *body, size_t len, int64_t now_unix,
                       int64_t *out_expires, Err *err)
{
  Err jerr = ERR_INIT;
  Value *doc = json_parse(body, len, NULL, &jerr);
  if (!doc || val_kind(doc) != VAL_OBJECT) {
    val_unref(doc);
    err_set(err, ERR_WEB_AUTH, NULL,
            "the token endpoint did not answer with a JSON object");
    return NULL;
  }
  const Value *tok = val_object_peek(doc, "access_token");
  if (!tok)
    tok = val_object_peek(doc, "accessToken");
  if (!tok || val_kind(tok) != VAL_STRING || val_strlen(tok) == 0) {
    val_unref(doc);
    err_set(err, ERR_WEB_AUTH, NULL,
            "the token endpoint's answer has no access_token");
    return NULL;
  }
  int64_t exp = 0, rel = 0;
  if (int_of(val_object_peek(doc, "expires_on"), &exp) && exp > 0)
    *out_expires = exp;
  else if (int_of(val_object_peek(doc, "expires_in"), &rel) && rel > 0)
    *out_expires = now_unix + rel;
  else
    *out_expires = now_unix + 3600;
  char *t = xstrdup(val_str(tok));
  val_unref(doc);
  return t;
}

char *auth_token_from_cli(const char *resource, int64_t now_unix,
                          int64_t *out_expires, Err *err)
{
  if (strchr(resource, '\'')) {
    err_set(err, ERR_WEB_AUTH, NULL, "resource contains a quote");
    return NULL;
  }
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "az account get-access-token --resource '%s' -o json 2>/dev/null",
           resource);
  FILE *p = popen(cmd, "r");
  if (!p) {
    err_set(err, ERR_WEB_AUTH, NULL, "could not run az");
    return NULL;
  }
  StrBuf sb;
  sb_init(&sb);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    sb_put(&sb, buf, n);
  int rc = pclose(p);
  char *tok = NULL;
  if (rc != 0)
    err_set(err, ERR_WEB_AUTH, NULL,
            "az account get-access-token failed (exit status %d; run "
            "'az login')",
            rc);
  else
    tok = auth_token_parse(sb.s, sb.len, now_unix, out_expires, err);
  sb_fini(&sb);
  return tok;
}

/* ---- Cache -----------------------------------------------------------------
 */

typedef struct CacheEntry {
  char *key;
  char *token;
  int64_t expires;
  struct CacheEntry *next;
} CacheEntry;

struct TokenCache {
  CacheEntry *head;
};

TokenCache *token_cache_new(void)
{
  return xcalloc(1, sizeof(TokenCache));
}

void token_cache_free(TokenCache *c)
{
  if (!c)
    return;
  for (CacheEntry *e = c->head, *next; e; e = next) {
    next = e->next;
    free(e->key);
    free(e->token);
    free(e);
  }
  free(c);
}

/* Tokens are refreshed this long before they expire, as the SDKs do. */
#define TOKEN_MARGIN_S 300

const char *token_cache_get(TokenCache *c, const char *key, int64_t now_unix)
{
  for (CacheEntry *e = c->head; e; e = e->next)
    if (strcmp(e->key, key) == 0)
      return e->expires - TOKEN_MARGIN_S > now_unix ? e->token : NULL;
  return NULL;
}

void token_cache_put(TokenCache *c, const char *key, const char *token,
                     int64_t expires_unix)
{
  for (CacheEntry *e = c->head; e; e = e->next)
    if (strcmp(e->key, key) == 0) {
      free(e->token);
      e->token = xstrdup(token);
      e->expires = expires_unix;
      return;
    }
  CacheEntry *e = xcalloc(1, sizeof *e);
  e->key = xstrdup(key);
  e->token = xstrdup(token);
  e->expires = expires_unix;
  e->next = c->head;
  c->head = e;
}

char *auth_cache_key(const AuthSpec *spec)
{
  StrBuf sb;
  sb_init(&sb);
  sb_printf(&sb, "%s|%s|%s|%s|%s", auth_kind_name(spec->kind),
            spec->tenant ? spec->tenant : "",
            spec->username ? spec->username
                           : (spec->mi_client_id ? spec->mi_client_id : ""),
            spec->mi_res_id ? spec->mi_res_id : "",
            spec->resource ? spec->resource : "");
  return sb_take(&sb);
}
