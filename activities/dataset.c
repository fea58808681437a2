/*
 * activities/dataset.c -- DatasetReference -> dataset + linked service
 *                         -> one plain "data spec" object
 *
 * Parameters bind as ADF binds them: the reference's values over the
 * declared defaults, a declared parameter with neither is an error.
 * Secrets (SecureString, AzureKeyVaultSecret) are unwrapped here and
 * handed to the caller's callback before anything else can see them.
 * Linked-service and location types adfrun cannot serve fail by name.
 */
#include "activities/dataset.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "activities/auth.h"
#include "activities/store.h"
#include "expr/json.h"
#include "expr/strbuf.h"
#include "interp/load.h"

/* The Azurite/Storage Emulator account, published by Microsoft. */
#define DEV_ACCOUNT "devstoreaccount1"
#define DEV_KEY                                                                \
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr"  \
  "/KBHBeksoGMGw=="

/* ---- Property helpers --------------------------------------------------- */

const Value *ds_get(const Value *obj, const char *key)
{
  if (!obj || val_kind(obj) != VAL_OBJECT)
    return NULL;
  return val_object_peek_ci(obj, key, strlen(key));
}

const char *ds_str(const Value *obj, const char *key)
{
  const Value *v = ds_get(obj, key);
  return v && val_kind(v) == VAL_STRING ? val_str(v) : NULL;
}

bool ds_bool(const Value *obj, const char *key, bool dflt)
{
  const Value *v = ds_get(obj, key);
  if (!v)
    return dflt;
  if (val_kind(v) == VAL_BOOL)
    return val_get_bool(v);
  if (val_kind(v) == VAL_STRING) {
    if (strcasecmp(val_str(v), "true") == 0)
      return true;
    if (strcasecmp(val_str(v), "false") == 0)
      return false;
  }
  return dflt;
}

int64_t ds_int(const Value *obj, const char *key, int64_t dflt)
{
  const Value *v = ds_get(obj, key);
  if (!v)
    return dflt;
  if (val_kind(v) == VAL_INT)
    return val_get_int(v);
  if (val_kind(v) == VAL_FLOAT)
    return (int64_t)val_get_float(v);
  if (val_kind(v) == VAL_STRING && *val_str(v)) {
    char *end;
    long long n = strtoll(val_str(v), &end, 10);
    if (*end == '\0')
      return n;
  }
  return dflt;
}

/* ---- Secrets ------------------------------------------------------------ */

static char *env_name(const char *name)
{
  StrBuf sb;
  sb_init(&sb);
  sb_puts(&sb, "ADFRUN_SECRET_");
  for (const char *p = name; *p; p++)
    sb_putc(&sb, isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p)
                                            : '_');
  return sb_take(&sb);
}

char *ds_secret_lookup(const char *vault_ls, const char *vault_url,
                       const char *name, Err *err)
{
  const char *file = getenv("ADFRUN_SECRETS");
  char *found = NULL;
  StrBuf k1, k2;
  sb_init(&k1);
  sb_init(&k2);
  if (vault_ls)
    sb_printf(&k1, "%s/%s", vault_ls, name);
  if (vault_url) {
    size_t n = strlen(vault_url);
    while (n > 0 && vault_url[n - 1] == '/')
      n--;
    sb_put(&k2, vault_url, n);
    sb_printf(&k2, "/%s", name);
  }
  if (file && *file) {
    Err ferr = ERR_INIT;
    size_t len;
    char *text = load_file_utf8(file, &len, &ferr);
    Value *doc = text ? json_parse(text, len, NULL, &ferr) : NULL;
    free(text);
    if (!doc || val_kind(doc) != VAL_OBJECT) {
      /* Never echo the file's content: it is full of secrets. */
      err_set(err, ERR_DATA_SECRET, NULL,
              "ADFRUN_SECRETS file '%s' is not a readable JSON object", file);
      val_unref(doc);
      goto done;
    }
    const char *keys[3] = {k1.len ? k1.s : NULL, k2.len ? k2.s : NULL, name};
    for (int i = 0; i < 3 && !found; i++) {
      const Value *v = keys[i] ? val_object_peek(doc, keys[i]) : NULL;
      if (v && val_kind(v) == VAL_STRING)
        found = xstrdup(val_str(v));
    }
    val_unref(doc);
  }
  if (!found) {
    char *ev = env_name(name);
    const char *v = getenv(ev);
    if (v)
      found = xstrdup(v);
    else
      err_set(err, ERR_DATA_SECRET, NULL,
              "Key Vault secret '%s' not found: add \"%s\" to the JSON file "
              "named by ADFRUN_SECRETS, or set %s",
              name, k1.len ? k1.s : name, ev);
    free(ev);
  }
done:
  sb_fini(&k1);
  sb_fini(&k2);
  return found;
}

typedef struct Ctx {
  const Factory *f;
  DsSecretFn secret;
  void *ud;
} Ctx;

static int hex_val(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char)tolower((unsigned char)c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hands 's' to the caller's callback together with the spellings it
 * takes in URLs and error messages that quote them: percent-encoded (a
 * query value) and, when it holds %XX escapes, percent-decoded. */
static void add_secret(Ctx *cx, const char *s)
{
  if (!cx->secret || !s || !*s)
    return;
  cx->secret(cx->ud, s);
  StrBuf enc, dec;
  sb_init(&enc);
  sb_init(&dec);
  bool escapes = false;
  for (const char *p = s; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      sb_putc(&enc, (char)c);
    else
      sb_printf(&enc, "%%%02X", c);
    int hi, lo;
    if (c == '%' && (hi = hex_val(p[1])) >= 0 && (lo = hex_val(p[2])) >= 0) {
      sb_putc(&dec, (char)(hi * 16 + lo));
      p += 2;
      escapes = true;
    } else {
      sb_putc(&dec, (char)c);
    }
  }
  if (strcmp(enc.s, s) != 0)
    cx->secret(cx->ud, enc.s);
  if (escapes && dec.len == strlen(dec.s))
    cx->secret(cx->ud, dec.s);
  sb_fini(&enc);
  sb_fini(&dec);
}

/* Registers the signature of a SAS token ("...&sig=<value>&...") on its
 * own: a message quoting the token's fields in another order, or only
 * some of them, must not show it either. */
static void add_sas_secret(Ctx *cx, const char *sas)
{
  add_secret(cx, sas);
  const char *p = sas;
  while (p) {
    if (strncasecmp(p, "sig=", 4) == 0) {
      char *sig = xstrndup(p + 4, strcspn(p + 4, "&#"));
      add_secret(cx, sig);
      free(sig);
    }
    p = strchr(p, '&');
    if (p)
      p++;
  }
}

/* Registers the password of a URL's "user:password@" part. */
static void add_url_password(Ctx *cx, const char *url)
{
  const char *p = url ? strstr(url, "://") : NULL;
  if (!p)
    return;
  p += 3;
  size_t auth = strcspn(p, "/?#");
  const char *at = memchr(p, '@', auth);
  const char *colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
  if (colon && at > colon + 1) {
    char *pw = xstrndup(colon + 1, (size_t)(at - colon - 1));
    add_secret(cx, pw);
    free(pw);
  }
}

static const Value *props_of(const Resource *r)
{
  const Value *p = ds_get(r->raw, "properties");
  return p && val_kind(p) == VAL_OBJECT ? p : r->raw;
}

/* Replaces SecureString and AzureKeyVaultSecret objects anywhere inside
 * 'v' by their plain string.  Returns a new reference or NULL. */
static Value *unwrap_secrets(Ctx *cx, const Value *v, Err *err)
{
  if (val_kind(v) == VAL_ARRAY) {
    Value *a = val_array_new();
    for (size_t i = 0; i < val_array_len(v); i++) {
      Value *x = unwrap_secrets(cx, val_array_peek(v, i), err);
      if (!x) {
        val_unref(a);
        return NULL;
      }
      val_array_push_take(a, x);
    }
    return a;
  }
  if (val_kind(v) != VAL_OBJECT)
    return val_ref(v);
  const char *type = ds_str(v, "type");
  if (type && strcasecmp(type, "SecureString") == 0 && ds_get(v, "value")) {
    const char *s = ds_str(v, "value");
    add_secret(cx, s);
    return s ? val_cstr(s) : val_ref(ds_get(v, "value"));
  }
  if (type && strcasecmp(type, "AzureKeyVaultSecret") == 0) {
    const Value *store = ds_get(v, "store");
    const char *vault = ds_str(store, "referenceName");
    const Value *sn = ds_get(v, "secretName");
    char *name = NULL;
    if (sn && val_kind(sn) == VAL_STRING) {
      name = xstrdup(val_str(sn));
    } else if (sn) {
      StrBuf sb;
      sb_init(&sb);
      val_to_adf_string(sn, &sb);
      name = sb_take(&sb);
    }
    if (!name || !*name) {
      free(name);
      err_set(err, ERR_DATA_REFERENCE, NULL,
              "AzureKeyVaultSecret needs a 'secretName'");
      return NULL;
    }
    const char *url = NULL;
    Resource *kv =
        vault ? factory_resource(cx->f, RES_LINKED_SERVICE, vault) : NULL;
    if (kv)
      url = ds_str(ds_get(props_of(kv), "typeProperties"), "baseUrl");
    char *s = ds_secret_lookup(vault, url, name, err);
    free(name);
    if (!s)
      return NULL;
    add_secret(cx, s);
    Value *r = val_cstr(s);
    free(s);
    return r;
  }
  Value *o = val_object_new();
  for (size_t i = 0; i < val_object_len(v); i++) {
    size_t kl;
    const char *k = val_object_key_peek(v, i, &kl);
    Value *x = unwrap_secrets(cx, val_object_value_peek(v, i), err);
    if (!x) {
      val_unref(o);
      return NULL;
    }
    val_object_set_take(o, k, kl, x);
  }
  return o;
}

/* ---- Parameters --------------------------------------------------------- */

/* Binds declared parameters ({name: {type, defaultValue}}) to the
 * reference's values.  Returns a new object or NULL. */
static Value *bind_params(const Value *declared, const Value *given,
                          const char *what, const char *name, Err *err)
{
  Value *out = val_object_new();
  for (size_t i = 0; declared && val_kind(declared) == VAL_OBJECT &&
                     i < val_object_len(declared);
       i++) {
    size_t kl;
    const char *k = val_object_key_peek(declared, i, &kl);
    const Value *g = given && val_kind(given) == VAL_OBJECT
                         ? val_object_peek_ci(given, k, kl)
                         : NULL;
    const Value *decl = val_object_value_peek(declared, i);
    const Value *d = ds_get(decl, "defaultValue");
    if (g)
      val_object_set_take(out, k, kl, val_ref(g));
    else if (d)
      val_object_set_take(out, k, kl, val_ref(d));
    else {
      val_unref(out);
      err_set(err, ERR_DATA_REFERENCE, NULL,
              "%s '%s' needs a value for parameter '%.*s' (it has no "
              "defaultValue)",
              what, name, (int)kl, k);
      return NULL;
    }
  }
  return out;
}

/* ---- Linked services -> connections ------------------------------------- */

/* "k=v;k=v" connection-string field, case-insensitive; malloc'd or NULL. */
static char *cs_field(const char *cs, const char *key)
{
  size_t kl = strlen(key);
  for (const char *p = cs; p && *p;) {
    while (*p == ';' || *p == ' ')
      p++;
    const char *e = strchr(p, ';');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n > kl && p[kl] == '=' && strncasecmp(p, key, kl) == 0)
      return xstrndup(p + kl + 1, n - kl - 1);
    p += n;
  }
  return NULL;
}

static void set_str(Value *o, const char *k, const char *s)
{
  if (s)
    val_object_set_take(o, k, strlen(k), val_cstr(s));
}

/* The audience of Azure Storage tokens (any account, any cloud). */
#define STORAGE_RESOURCE "https://storage.azure.com/"

/* Plans the bearer token of a 'serviceEndpoint' linked service: the
 * identity it names (service principal, user-assigned identity through a
 * credential, else the system-assigned one) and the ordered token
 * sources of activities/auth.h, which the worker thread tries in
 * store_blob_open().  Adds "token*" keys to 'c'.  False with *err set. */
static bool blob_token_plan(Ctx *cx, const Value *tp, Value *c, Err *err)
{
  Value *auth = val_object_new();
  const char *sp_id = ds_str(tp, "servicePrincipalId");
  const char *cred_type = ds_str(tp, "servicePrincipalCredentialType");
  const Value *cred = ds_get(tp, "credential");
  if (sp_id) {
    const char *key = ds_str(tp, "servicePrincipalKey");
    if (!key)
      key = ds_str(tp, "servicePrincipalCredential");
    set_str(auth, "type", "ServicePrincipal");
    set_str(auth, "tenant", ds_str(tp, "tenant"));
    set_str(auth, "servicePrincipalId", sp_id);
    if (cred_type && strcasecmp(cred_type, "ServicePrincipalCert") == 0) {
      val_unref(auth);
      return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                     "AzureBlobStorage service principal with a certificate "
                     "(servicePrincipalCredentialType 'ServicePrincipalCert') "
                     "is not supported: use a client secret");
    }
    set_str(auth, "servicePrincipalKey", key);
    add_secret(cx, key);
  } else if (cred && val_kind(cred) == VAL_OBJECT) {
    set_str(auth, "type", "UserAssignedManagedIdentity");
    val_object_set(auth, "credential", cred);
  } else {
    set_str(auth, "type", "MSI");
  }
  set_str(auth, "resource", STORAGE_RESOURCE);
  AuthSpec spec;
  Err aerr = ERR_INIT;
  bool ok = auth_spec_parse(auth, cx->f, &spec, &aerr);
  val_unref(auth);
  if (!ok)
    return err_set(err, ERR_DATA_REFERENCE, NULL,
                   "AzureBlobStorage linked service: %s", aerr.msg);
  TokenSource *src = NULL;
  size_t n = auth_sources(&spec, &src, &aerr);
  if (err_is_set(&aerr)) {
    auth_spec_fini(&spec);
    return err_set(err, ERR_DATA_UNSUPPORTED, NULL,
                   "AzureBlobStorage linked service: %s", aerr.msg);
  }
  Value *arr = val_array_new();
  for (size_t i = 0; i < n; i++) {
    Value *o = val_object_new();
    set_str(o, "name", auth_source_name(src[i].kind));
    val_object_set_take(o, "cli", 3, val_bool(src[i].kind == TOKSRC_AZURE_CLI));
    set_str(o, "method", src[i].method);
    set_str(o, "url", src[i].url);
    set_str(o, "body", src[i].body);
    Value *h = val_array_new();
    for (size_t j = 0; j < src[i].n_headers; j++) {
      val_array_push_take(h, val_cstr(src[i].headers[j]));
      const char *colon = strchr(src[i].headers[j], ':');
      if (colon &&
          strncasecmp(src[i].headers[j], "X-IDENTITY-HEADER:", 18) == 0)
        add_secret(cx, colon + 2);
    }
    val_object_set_take(o, "headers", 7, h);
    val_array_push_take(arr, o);
  }
  val_object_set_take(c, "tokenSources", 12, arr);
  char *key = auth_cache_key(&spec);
  set_str(c, "tokenKey", key);
  free(key);
  set_str(c, "tokenResource", STORAGE_RESOURCE);
  set_str(c, "tokenAuth", auth_kind_name(spec.kind));
  add_secret(cx, getenv("AZURE_CLIENT_SECRET"));
  add_secret(cx, getenv("IDENTITY_HEADER"));
  auth_sources_free(src, n);
  auth_spec_fini(&spec);
  return true;
}

static Value *blob_conn(Ctx *cx, const Value *tp, Err *err)
{
  Value *c = val_object_new();
  set_str(c, "kind", "blob");
  const char *cs = ds_str(tp, "connectionString");
  const char *sas_uri = ds_str(tp, "sasUri");
  const char *endpoint = ds_str(tp, "serviceEndpoint");
  if (!cs && !sas_uri && !endpoint && ds_get(tp, "containerUri")) {
    val_unref(c);
    err_set(err, ERR_DATA_UNSUPPORTED, NULL,
            "AzureBlobStorage 'containerUri' (anonymous access) is not "
            "supported: use a connectionString, 'sasUri' or "
            "'serviceEndpoint'");
    return NULL;
  }
  if (cs) {
    char *dev = cs_field(cs, "UseDevelopmentStorage");
    char *name = cs_field(cs, "AccountName");
    char *key = cs_field(cs, "AccountKey");
    char *bep = cs_field(cs, "BlobEndpoint");
    char *sas = cs_field(cs, "SharedAccessSignature");
    char *proto = cs_field(cs, "DefaultEndpointsProtocol");
    char *suffix = cs_field(cs, "EndpointSuffix");
    const char *akey = ds_str(tp, "accountKey"); /* Key Vault form */
    if (dev && strcasecmp(dev, "true") == 0) {
      const char *e = getenv("ADFRUN_DEVSTORE_BLOB_ENDPOINT");
      set_str(c, "endpoint",
              e && *e ? e : "http://127.0.0.1:10000/" DEV_ACCOUNT);
      set_str(c, "account", DEV_ACCOUNT);
      set_str(c, "key", DEV_KEY);
    } else {
      if (bep)
        set_str(c, "endpoint", bep);
      else if (name) {
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "%s://%s.blob.%s", proto ? proto : "https", name,
                  suffix ? suffix : "core.windows.net");
        Value *v = val_string_from_sb(&sb);
        val_object_set_take(c, "endpoint", 8, v);
        sb_fini(&sb);
      }
      set_str(c, "account", name);
      set_str(c, "key", akey ? akey : key);
      set_str(c, "sas", sas);
      /* A plain-text key or SAS (validate's ADF061) is as secret as a
       * SecureString one. */
      add_secret(cx, key);
      add_secret(cx, akey);
      if (sas)
        add_sas_secret(cx, sas);
    }
    bool ok = ds_get(c, "endpoint") && (ds_get(c, "key") || ds_get(c, "sas"));
    free(dev);
    free(name);
    free(key);
    free(bep);
    free(sas);
    free(proto);
    free(suffix);
    if (!ok) {
      val_unref(c);
      err_set(err, ERR_DATA_REFERENCE, NULL,
              "AzureBlobStorage connectionString needs AccountName and "
              "AccountKey, BlobEndpoint and SharedAccessSignature, or "
              "UseDevelopmentStorage=true");
      return NULL;
    }
    return c;
  }
  if (sas_uri) {
    const char *q = strchr(sas_uri, '?');
    const char *tok = ds_str(tp, "sasToken");
    size_t n = q ? (size_t)(q - sas_uri) : strlen(sas_uri);
    while (n > 0 && sas_uri[n - 1] == '/')
      n--;
    char *ep = xstrndup(sas_uri, n);
    set_str(c, "endpoint", ep);
    free(ep);
    set_str(c, "sas", tok ? tok : q ? q + 1 : "");
    if (tok || q)
      add_sas_secret(cx, tok ? tok : q + 1);
    return c;
  }
  if (endpoint && *endpoint) {
    const char *at = ds_str(tp, "authenticationType");
    if (at && strcasecmp(at, "AccountKey") == 0 && ds_str(tp, "accountKey")) {
      val_unref(c);
      err_set(err, ERR_DATA_UNSUPPORTED, NULL,
              "AzureBlobStorage 'serviceEndpoint' with an account key is not "
              "supported: use a connectionString with AccountKey");
      return NULL;
    }
    set_str(c, "endpoint", endpoint);
    if (!blob_token_plan(cx, tp, c, err)) {
      val_unref(c);
      return NULL;
    }
    return c;
  }
  val_unref(c);
  err_set(err, ERR_DATA_REFERENCE, NULL,
          "AzureBlobStorage linked service needs 'connectionString', "
          "'sasUri' or 'serviceEndpoint'");
  return NULL;
}

static Value *http_conn(Ctx *cx, const Value *tp, Err *err)
{
  const char *url = ds_str(tp, "url");
  const char *auth = ds_str(tp, "authenticationType");
  if (!url || !*url) {
    err_set(err, ERR_DATA_REFERENCE, NULL,
            "HttpServer linked service needs a 'url'");
    return NULL;
  }
  Value *c = val_object_new();
  Value *hdrs = val_array_new();
  set_str(c, "kind", "http");
  set_str(c, "url", url);
  add_url_password(cx, url);
  if (auth && strcasecmp(auth, "Basic") == 0) {
    const char *u = ds_str(tp, "userName");
    const char *p = ds_str(tp, "password");
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%s:%s", u ? u : "", p ? p : "");
    set_str(c, "basic", sb.s);
    sb_fini(&sb);
    /* A SecureString password is registered already; a plain or
     * parameterised one is just as secret. */
    add_secret(cx, p);
  } else if (auth && *auth && strcasecmp(auth, "Anonymous") != 0) {
    val_unref(c);
    val_unref(hdrs);
    err_set(err, ERR_DATA_UNSUPPORTED, NULL,
            "HttpServer authenticationType '%s' is not supported (Anonymous "
            "and Basic are, plus authHeaders)",
            auth);
    return NULL;
  }
  const Value *ah = ds_get(tp, "authHeaders");
  for (size_t i = 0; ah && val_kind(ah) == VAL_OBJECT && i < val_object_len(ah);
       i++) {
    size_t kl;
    const char *k = val_object_key_peek(ah, i, &kl);
    StrBuf sb;
    sb_init(&sb);
    sb_put(&sb, k, kl);
    sb_puts(&sb, ": ");
    val_to_adf_string(val_object_value_peek(ah, i), &sb);
    add_secret(cx, sb.s + kl + 2);
    val_array_push_take(hdrs, val_string_from_sb(&sb));
    sb_fini(&sb);
  }
  val_object_set_take(c, "headers", 7, hdrs);
  val_object_set_take(
      c, "insecure", 8,
      val_bool(!ds_bool(tp, "enableServerCertificateValidation", true)));
  return c;
}

/* ---- Resolution --------------------------------------------------------- */

static char *location_folder(const char *ls_type, const Value *loc,
                             const char **out_file)
{
  const char *folder = ds_str(loc, "folderPath");
  *out_file = ds_str(loc, "fileName");
  if (strcasecmp(ls_type, "AzureBlobStorage") == 0 ||
      strcasecmp(ls_type, "AzureStorage") == 0)
    return store_path_join(ds_str(loc, "container"), folder);
  if (strcasecmp(ls_type, "HttpServer") == 0) {
    *out_file = ds_str(loc, "relativeUrl");
    return xstrdup("");
  }
  return store_path_join(folder, NULL);
}

static const char *expected_location(const char *ls_type)
{
  if (strcasecmp(ls_type, "FileServer") == 0)
    return "FileServerLocation";
  if (strcasecmp(ls_type, "AzureBlobStorage") == 0 ||
      strcasecmp(ls_type, "AzureStorage") == 0)
    return "AzureBlobStorageLocation";
  if (strcasecmp(ls_type, "HttpServer") == 0)
    return "HttpServerLocation";
  return NULL;
}

/* FileServer paths are often written Windows-style. */
static char *slashes(const char *s)
{
  char *d = xstrdup(s ? s : "");
  for (char *p = d; *p; p++)
    if (*p == '\\')
      *p = '/';
  return d;
}

Value *ds_resolve(const Factory *f, const Value *ref, const EvalEnv *env,
                  DsSecretFn secret, void *ud, Err *err)
{
  Ctx cx = {f, secret, ud};
  EvalEnv e2 = {0};
  Value *ds_params = NULL, *ls_params = NULL, *tp = NULL, *schema = NULL;
  Value *ls_ref = NULL, *ls_tp = NULL, *ls_plain = NULL, *conn = NULL;
  Value *out = NULL;
  const char *name = ds_str(ref, "referenceName");
  if (!name) {
    err_set(err, ERR_DATA_REFERENCE, NULL,
            "dataset reference needs a 'referenceName'");
    return NULL;
  }
  Resource *ds = f ? factory_resource(f, RES_DATASET, name) : NULL;
  if (!ds) {
    err_set(err, ERR_DATA_REFERENCE, NULL,
            "dataset '%s' is not defined in the factory", name);
    return NULL;
  }
  const Value *props = props_of(ds);
  const char *type = ds_str(props, "type");
  if (!type) {
    err_set(err, ERR_DATA_REFERENCE, NULL, "dataset '%s' has no 'type'", name);
    return NULL;
  }
  if (strcasecmp(type, "DelimitedText") != 0 && strcasecmp(type, "Json") != 0 &&
      strcasecmp(type, "Binary") != 0) {
    err_set(
        err, ERR_DATA_UNSUPPORTED, NULL,
        "dataset '%s' has type '%s', which is not supported (DelimitedText, "
        "Json and Binary are)",
        name, type);
    return NULL;
  }
  if (env)
    e2 = *env;
  ds_params = bind_params(ds_get(props, "parameters"),
                          ds_get(ref, "parameters"), "dataset", name, err);
  if (!ds_params)
    goto done;
  e2.dataset = ds_params;
  e2.linked_service = NULL;
  const Value *raw_tp = ds_get(props, "typeProperties");
  tp = raw_tp ? expr_eval_value(raw_tp, &e2, err) : val_object_new();
  if (!tp)
    goto done;
  if (ds_get(props, "schema") &&
      !(schema = expr_eval_value(ds_get(props, "schema"), &e2, err)))
    goto done;
  const Value *lsr = ds_get(props, "linkedServiceName");
  if (!lsr || !(ls_ref = expr_eval_value(lsr, &e2, err))) {
    err_set(err, ERR_DATA_REFERENCE, NULL,
            "dataset '%s' has no 'linkedServiceName'", name);
    goto done;
  }
  const char *ls_name = ds_str(ls_ref, "referenceName");
  Resource *ls =
      ls_name ? factory_resource(f, RES_LINKED_SERVICE, ls_name) : NULL;
  if (!ls) {
    err_set(err, ERR_DATA_REFERENCE, NULL,
            "linked service '%s' (of dataset '%s') is not defined in the "
            "factory",
            ls_name ? ls_name : "", name);
    goto done;
  }
  const Value *lprops = props_of(ls);
  const char *ls_type = ds_str(lprops, "type");
  if (!ls_type || !expected_location(ls_type)) {
    err_set(err, ERR_DATA_UNSUPPORTED, NULL,
            "linked service '%s' has type '%s', which is not supported "
            "(FileServer, AzureBlobStorage and HttpServer are)",
            ls_name, ls_type ? ls_type : "");
    goto done;
  }
  ls_params =
      bind_params(ds_get(lprops, "parameters"), ds_get(ls_ref, "parameters"),
                  "linked service", ls_name, err);
  if (!ls_params)
    goto done;
  e2.dataset = NULL;
  e2.linked_service = ls_params;
  const Value *raw_ltp = ds_get(lprops, "typeProperties");
  ls_tp = raw_ltp ? expr_eval_value(raw_ltp, &e2, err) : val_object_new();
  if (!ls_tp || !(ls_plain = unwrap_secrets(&cx, ls_tp, err)))
    goto done;

  /* The location must suit the linked service. */
  const Value *loc = ds_get(tp, "location");
  const char *lt = ds_str(loc, "type");
  const char *want = expected_location(ls_type);
  if (!loc || !lt || strcasecmp(lt, want) != 0) {
    err_set(err, ERR_DATA_UNSUPPORTED, NULL,
            "dataset '%s' location type '%s' does not fit linked service "
            "type '%s' (expected '%s')",
            name, lt ? lt : "", ls_type, want);
    goto done;
  }
  if (strcasecmp(ls_type, "FileServer") == 0) {
    const char *host = ds_str(ls_plain, "host");
    if (!host || !*host) {
      err_set(err, ERR_DATA_REFERENCE, NULL,
              "FileServer linked service '%s' needs a 'host'", ls_name);
      goto done;
    }
    if (host[0] == '\\' && host[1] == '\\') {
      err_set(err, ERR_DATA_UNSUPPORTED, NULL,
              "FileServer host '%s' is a network share: adfrun reads local "
              "folders only (mount the share and use its path)",
              host);
      goto done;
    }
    conn = val_object_new();
    set_str(conn, "kind", "file");
    char *h = slashes(host);
    set_str(conn, "root", h);
    free(h);
  } else if (strcasecmp(ls_type, "HttpServer") == 0) {
    conn = http_conn(&cx, ls_plain, err);
  } else {
    conn = blob_conn(&cx, ls_plain, err);
  }
  if (!conn)
    goto done;

  const char *file = NULL;
  char *folder = location_folder(ls_type, loc, &file);
  out = val_object_new();
  set_str(out, "dataset", ds->name);
  set_str(out, "type", type);
  set_str(out, "linkedService", ls->name);
  set_str(out, "linkedServiceType", ls_type);
  /* The part of the store path a wildcard folder or prefix starts from:
   * the container for Blob, the host root otherwise. */
  set_str(out, "root",
          strcasecmp(ls_type, "AzureBlobStorage") == 0 ||
                  strcasecmp(ls_type, "AzureStorage") == 0
              ? (ds_str(loc, "container") ? ds_str(loc, "container") : "")
              : "");
  val_object_set_take(out, "conn", 4, val_ref(conn));
  if (strcasecmp(ls_type, "FileServer") == 0) {
    char *ff = slashes(folder), *fn = file ? slashes(file) : NULL;
    set_str(out, "folder", ff);
    if (fn && *fn)
      set_str(out, "file", fn);
    free(ff);
    free(fn);
  } else {
    set_str(out, "folder", folder);
    if (file && *file)
      set_str(out, "file", file);
  }
  if (!ds_get(out, "file"))
    val_object_set_take(out, "file", 4, val_null());
  free(folder);
  val_object_set_take(out, "props", 5, val_ref(tp));
  val_object_set_take(out, "schema", 6, schema ? val_ref(schema) : val_null());
done:
  val_unref(ds_params);
  val_unref(ls_params);
  val_unref(tp);
  val_unref(schema);
  val_unref(ls_ref);
  val_unref(ls_tp);
  val_unref(ls_plain);
  val_unref(conn);
  return out;
}
