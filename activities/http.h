/*
 * activities/http.h -- HttpTransport: non-blocking HTTP over libcurl multi
 *
 * One HttpClient owns one curl multi handle; many HttpCalls run on it at
 * once, each with its own timeout, TLS switch and response-size cap.  The
 * engine drives it as an IoDriver (http_engine_client()): the run loop
 * calls wait() when idle and each finished call invokes its 'done'
 * callback (which calls act_wake()).  This file and http.c are the only
 * libcurl users in adfrun.  Everything is single-threaded.
 */
#ifndef ACTIVITIES_HTTP_H
#define ACTIVITIES_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "expr/value.h"
#include "interp/activity.h"

/* What to send.  Every pointer is borrowed until http_call_start()
 * returns (the call copies what it needs). */
typedef struct HttpRequest {
  const char *method; /* "GET", "POST"... (upper case); "HEAD" asks for
                         the headers only (no body is read) */
  const char *url;
  const char *const *headers; /* "Name: value" lines */
  size_t n_headers;
  const char *body; /* NULL: no body */
  size_t body_len;
  long timeout_ms;      /* whole request; 0 = no limit */
  bool insecure;        /* true: skip TLS certificate checks */
  bool no_redirects;    /* true: return 3xx as they are */
  size_t max_body;      /* response body cap in bytes; 0 = none */
  const void *cert_p12; /* client certificate (PKCS#12) or NULL */
  size_t cert_len;
  const char *cert_password; /* may be NULL */
  /* Optional streaming of the response body.  When set, every piece of
   * the final response's body goes to on_body(body_ud, status, data, len)
   * instead of resp.body (which stays empty; max_body is not applied).
   * It runs inside http_client_wait()/http_perform(); returning false
   * aborts the transfer (result HTTP_ERR_ABORTED).  Bodies of redirects
   * that are followed never reach it. */
  bool (*on_body)(void *ud, long status, const char *data, size_t len);
  void *body_ud;
} HttpRequest;

typedef enum HttpResult {
  HTTP_OK,            /* a response arrived (any status) */
  HTTP_ERR_CONNECT,   /* DNS, refused, unreachable */
  HTTP_ERR_TIMEOUT,   /* no complete response within timeout_ms */
  HTTP_ERR_TLS,       /* certificate or handshake failure */
  HTTP_ERR_TOO_LARGE, /* body exceeded max_body */
  HTTP_ERR_BAD_URL,   /* malformed or unsupported URL */
  HTTP_ERR_OTHER,
  HTTP_ERR_ABORTED /* the on_body callback returned false */
} HttpResult;

typedef struct HttpResponse {
  HttpResult result;
  long status; /* final HTTP status; 0 when none arrived */
  char *body;  /* owned, NUL-terminated (may hold NULs) */
  size_t body_len;
  Value *headers;  /* owned: object, header name as received -> value
                      (repeats joined with ", "); of the final response */
  char *error;     /* owned: one-line reason when result != HTTP_OK */
  char *final_url; /* owned: URL after redirects */
} HttpResponse;

void http_response_init(HttpResponse *r);
void http_response_fini(HttpResponse *r);
/* Case-insensitive header look-up in r->headers; borrowed or NULL. */
const char *http_response_header(const HttpResponse *r, const char *name);

typedef struct HttpClient HttpClient; /* single owner */
typedef struct HttpCall HttpCall;     /* single owner: http_call_free() */
typedef void (*HttpDoneFn)(void *ud, HttpCall *call);

/* A client with its own curl multi handle.  Never NULL (OOM aborts). */
/* Process-wide set-up and tear-down of the HTTP library (main() calls
 * them once around a command), and its version for `adfrun version`. */
void http_global_init(void);
void http_global_cleanup(void);
const char *http_library_version(void);

HttpClient *http_client_new(void);
/* Frees the client; calls still in flight are aborted (their 'done' is not
 * called) but must still be freed by their owners first. */
void http_client_free(HttpClient *c);

/* Starts a request.  'done' (may be NULL) runs inside http_client_wait()
 * when the call completes.  Returns a new call (never NULL: a request that
 * cannot even start completes with an error at the next wait). */
HttpCall *http_call_start(HttpClient *c, const HttpRequest *req,
                          HttpDoneFn done, void *ud);
bool http_call_done(const HttpCall *call);
/* The response (borrowed, valid until http_call_free); meaningful once
 * http_call_done() is true. */
HttpResponse *http_call_response(HttpCall *call);
/* Aborts the call if still in flight and frees it.  NULL is ignored. */
void http_call_free(HttpCall *call);

/* True while any call is in flight. */
bool http_client_busy(HttpClient *c);
/* Waits up to 'timeout_ms' for socket activity, advances transfers and
 * runs the 'done' callback of every call that finished. */
void http_client_wait(HttpClient *c, int timeout_ms);

/* Blocking convenience (tests, short token requests): runs one request to
 * completion on 'c' and moves the response into *out (caller finis it).
 * Returns out->result == HTTP_OK. */
bool http_perform(HttpClient *c, const HttpRequest *req, HttpResponse *out);

/* The engine's shared client, registered as the "http" IoDriver on first
 * use and freed at engine shutdown.  Borrowed. */
HttpClient *http_engine_client(Engine *eng);

/* Human-readable name of a result ("connection failed"...), static. */
const char *http_result_name(HttpResult r);

/* ---- HTTP mocks (web_mock.c) ----------------------------------------- */

/* The compiled `http` section of a --mock document: rules tried in order,
 * each with a per-call response sequence (see docs/mocks.md). */
typedef struct HttpMocks HttpMocks; /* single owner */

/* Compiles doc.http ('doc' may be NULL or lack the section: no rules).
 * Returns a new object or NULL with *err set (ERR_MOCK_SYNTAX: bad regex,
 * bad shape; the message names the rule). */
HttpMocks *http_mocks_new(const Value *doc, Err *err);
void http_mocks_free(HttpMocks *m);
size_t http_mocks_count(const HttpMocks *m);
/* Finds the first rule matching 'req' (method case-insensitive; url,
 * header and body patterns are unanchored PCRE2 searches).  On a match
 * fills *out (result HTTP_OK, status, headers, body; caller finis it) and
 * *delay_s, advances that rule's sequence and returns true. */
bool http_mocks_match(HttpMocks *m, const HttpRequest *req, HttpResponse *out,
                      double *delay_s);
/* The engine's mocks, compiled once from act_mocks(run) (borrowed).  NULL
 * when no mock document was given, or NULL with *err set when it is
 * invalid. */
HttpMocks *http_engine_mocks(ActRun *run, Err *err);

/* ---- URL rewriting (web_mock.c) --------------------------------------- */

/* --rewrite 'PATTERN=REPLACEMENT' rules: the first rule whose PCRE2
 * pattern matches rewrites the URL ($1-style groups); others are not
 * tried.  The pattern ends at the first '=' not preceded by '\'. */
typedef struct HttpRewrites HttpRewrites; /* single owner */

HttpRewrites *http_rewrites_new(const char *const *rules, size_t n, Err *err);
void http_rewrites_free(HttpRewrites *rw);
/* Returns the rewritten URL (malloc'd; a copy when nothing matched). */
char *http_rewrite(const HttpRewrites *rw, const char *url);
/* The engine's --rewrite rules, compiled once (borrowed; NULL when there
 * are none, or NULL with *err set when one is invalid). */
HttpRewrites *http_engine_rewrites(ActRun *run, Err *err);

#endif /* ACTIVITIES_HTTP_H */
