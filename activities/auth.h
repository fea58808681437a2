/*
 * activities/auth.h -- credentials for HTTP activities: Basic, client
 *                      certificates, and Azure AD tokens
 *
 * auth_spec_parse() reads an ADF "authentication" object (SecureString
 * values unwrapped).  Token-based kinds (MSI, UserAssignedManagedIdentity,
 * ServicePrincipal) get their token from an ordered list of sources; each
 * source is either an HTTP request (made by the caller through its own
 * transport, so tokens go through the same curl multi driver or mocks) or
 * the Azure CLI.  Nothing here does I/O except auth_token_from_cli().
 */
#ifndef ACTIVITIES_AUTH_H
#define ACTIVITIES_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/err.h"
#include "expr/value.h"
#include "interp/model.h"

typedef enum AuthKind {
  AUTH_NONE,
  AUTH_BASIC,
  AUTH_MSI,        /* system-assigned managed identity */
  AUTH_UAMI,       /* user-assigned managed identity */
  AUTH_SP_SECRET,  /* service principal with a client secret */
  AUTH_SP_CERT,    /* service principal with a certificate */
  AUTH_CLIENT_CERT /* TLS client certificate (PFX) */
} AuthKind;

typedef struct AuthSpec {
  AuthKind kind;
  char *resource;     /* owned: token audience, e.g. https://x.azure.com */
  char *username;     /* owned: Basic user; SP client id */
  char *password;     /* owned: Basic password; SP secret; PFX password */
  char *tenant;       /* owned: SP tenant */
  unsigned char *pfx; /* owned: decoded PKCS#12 bytes */
  size_t pfx_len;
  char *mi_res_id;    /* owned: UAMI resource id (from the credential) */
  char *mi_client_id; /* owned: UAMI client id (from the credential) */
} AuthSpec;

/* Parses 'auth' (an object, or NULL/absent for none).  'factory' (may be
 * NULL) resolves UAMI credential references.  Returns false with *err set
 * (ERR_WEB_AUTH, or ERR_WEB_BAD_PFX for an undecodable PFX). */
bool auth_spec_parse(const Value *auth, const Factory *factory, AuthSpec *out,
                     Err *err);
void auth_spec_fini(AuthSpec *spec);
/* The type name as ADF writes it ("MSI", "Basic"...), static. */
const char *auth_kind_name(AuthKind k);
/* True for the kinds that need a bearer token. */
bool auth_needs_token(const AuthSpec *spec);
/* Appends the "Authorization: Basic ..." line for AUTH_BASIC to 'out'
 * (a malloc'd string the caller frees). */
char *auth_basic_header(const AuthSpec *spec);

/* ---- Token sources --------------------------------------------------- */

typedef enum TokenSourceKind {
  TOKSRC_APP_SERVICE, /* IDENTITY_ENDPOINT + IDENTITY_HEADER */
  TOKSRC_ENV_SECRET,  /* AZURE_TENANT_ID/CLIENT_ID/CLIENT_SECRET */
  TOKSRC_AZURE_CLI,   /* az account get-access-token */
  TOKSRC_IMDS,        /* VM instance metadata endpoint */
  TOKSRC_SP_SECRET    /* the activity's own service principal */
} TokenSourceKind;

/* One way to obtain a token.  For HTTP sources the request fields are
 * filled (all owned). */
typedef struct TokenSource {
  TokenSourceKind kind;
  char *method;
  char *url;
  char **headers; /* "Name: value" lines */
  size_t n_headers;
  char *body; /* NULL for GET */
} TokenSource;

/* Lists the sources to try for 'spec', in order, reading the process
 * environment (getenv).  Returns the count and a malloc'd array in *out
 * (free with auth_sources_free).  For AUTH_SP_CERT returns 0 and sets
 * *err (a signed client assertion is not supported). */
size_t auth_sources(const AuthSpec *spec, TokenSource **out, Err *err);
void auth_sources_free(TokenSource *src, size_t n);
/* Short name of a source for messages ("App Service managed identity
 * endpoint (IDENTITY_ENDPOINT)"...), static. */
const char *auth_source_name(TokenSourceKind k);

/* Parses a token endpoint's JSON answer (access_token/accessToken;
 * expires_on as number or string of Unix seconds, or expires_in).
 * 'now_unix' converts relative lifetimes.  Returns a malloc'd token and
 * its expiry in *out_expires, or NULL with *err set. */
char *auth_token_parse(const char *body, size_t len, int64_t now_unix,
                       int64_t *out_expires, Err *err);

/* Runs the Azure CLI synchronously (short: it reads its local cache).
 * Returns NULL with *err set when 'az' is missing or fails. */
char *auth_token_from_cli(const char *resource, int64_t now_unix,
                          int64_t *out_expires, Err *err);

/* ---- Token cache ----------------------------------------------------- */

typedef struct TokenCache TokenCache; /* single owner */

TokenCache *token_cache_new(void);
void token_cache_free(TokenCache *c);
/* Borrowed token for 'key' still valid at 'now_unix' plus a 5-minute
 * margin, or NULL. */
const char *token_cache_get(TokenCache *c, const char *key, int64_t now_unix);
void token_cache_put(TokenCache *c, const char *key, const char *token,
                     int64_t expires_unix);
/* The cache key of a spec (malloc'd): kind + identity + resource. */
char *auth_cache_key(const AuthSpec *spec);

/* ---- Helpers --------------------------------------------------------- */

/* Decodes base64 (standard alphabet, padding optional, whitespace
 * ignored).  Returns malloc'd bytes or NULL on bad input. */
unsigned char *auth_base64_decode(const char *s, size_t len, size_t *out_len);
/* Appends 's' form-urlencoded (RFC 3986 unreserved kept) to a malloc'd
 * result. */
char *auth_urlencode(const char *s);

/* The fixed token used in mock mode when no HTTP mock answers the token
 * request (documented in docs/authentication.md). */
#define AUTH_MOCK_TOKEN "adfrun-mock-token"

#endif /* ACTIVITIES_AUTH_H */
