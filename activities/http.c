/*
 * activities/http.c -- HttpTransport over libcurl multi (the only libcurl
 *                      user in adfrun)
 *
 * Each HttpCall is one easy handle on the client's multi handle; nothing
 * here blocks except http_client_wait(), which the run loop calls when no
 * activity is ready.  Response headers are captured per response and reset
 * on every status line, so after redirects they describe the final one.
 * A body is either buffered (resp.body) or handed piece by piece to the
 * request's on_body callback, so streaming readers hold no copy of it.
 */
#include "activities/http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <pthread.h>

#include "expr/strbuf.h"

struct HttpClient {
  CURLM *multi;  /* owned */
  int n_running; /* calls added and not yet finished */
};

struct HttpCall {
  HttpClient *client;      /* borrowed */
  CURL *easy;              /* owned; NULL once finished */
  struct curl_slist *hdrs; /* owned */
  char *body;              /* owned copy of the request body */
  void *cert;              /* owned copy of the client certificate */
  char *cert_password;     /* owned */
  StrBuf rbody;            /* response body being received */
  Value *rheaders;         /* owned: headers of the current response */
  size_t max_body;
  bool (*on_body)(void *ud, long status, const char *data, size_t len);
  void *body_ud;
  bool aborted; /* on_body said stop */
  bool too_large;
  bool done;
  bool in_multi;
  HttpDoneFn done_fn;
  void *ud;
  HttpResponse resp;
  char errbuf[CURL_ERROR_SIZE];
};

/* curl_global_init() must run once per process before any handle, and
 * data-activity worker threads create clients too: pthread_once makes the
 * first use safe from any thread.  Clean-up is main()'s, at exit. */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init_once(void)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- Responses --------------------------------------------------------- */

void http_response_init(HttpResponse *r)
{
  memset(r, 0, sizeof *r);
}

void http_response_fini(HttpResponse *r)
{
  free(r->body);
  val_unref(r->headers);
  free(r->error);
  free(r->final_url);
  memset(r, 0, sizeof *r);
}

const char *http_response_header(const HttpResponse *r, const char *name)
{
  if (!r->headers)
    return NULL;
  const Value *v = val_object_peek_ci(r->headers, name, strlen(name));
  return v && val_kind(v) == VAL_STRING ? val_str(v) : NULL;
}

const char *http_result_name(HttpResult r)
{
  switch (r) {
  case HTTP_OK:
    return "ok";
  case HTTP_ERR_CONNECT:
    return "connection failed";
  case HTTP_ERR_TIMEOUT:
    return "timed out";
  case HTTP_ERR_TLS:
    return "TLS failure";
  case HTTP_ERR_TOO_LARGE:
    return "response too large";
  case HTTP_ERR_BAD_URL:
    return "invalid URL";
  case HTTP_ERR_ABORTED:
    return "aborted by the receiver";
  case HTTP_ERR_OTHER:
    break;
  }
  return "transfer failed";
}

/* ---- Client ------------------------------------------------------------ */

HttpClient *http_client_new(void)
{
  pthread_once(&global_once, global_init_once);
  HttpClient *c = xcalloc(1, sizeof *c);
  c->multi = curl_multi_init();
  if (!c->multi) {
    fputs("adfrun: curl_multi_init failed\n", stderr);
    abort();
  }
  return c;
}

void http_client_free(HttpClient *c)
{
  if (!c)
    return;
  curl_multi_cleanup(c->multi);
  free(c);
}

bool http_client_busy(HttpClient *c)
{
  return c->n_running > 0;
}

/* ---- Callbacks --------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
  HttpCall *call = ud;
  size_t len = size * n;
  if (call->on_body) {
    long status = 0;
    curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &status);
    if (!call->on_body(call->body_ud, status, data, len)) {
      call->aborted = true;
      return 0; /* CURLE_WRITE_ERROR */
    }
    return len;
  }
  if (call->max_body && call->rbody.len + len > call->max_body) {
    call->too_large = true;
    return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
  }
  sb_put(&call->rbody, data, len);
  return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
  HttpCall *call = ud;
  size_t len = size * n;
  size_t end = len;
  while (end > 0 && (data[end - 1] == '\r' || data[end - 1] == '\n'))
    end--;
  if (end >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    /* A new response (redirect hop, 100 Continue): start afresh. */
    val_unref(call->rheaders);
    call->rheaders = val_object_new();
    sb_reset(&call->rbody);
    return len;
  }
  const char *colon = memchr(data, ':', end);
  if (!colon || colon == data || !call->rheaders)
    return len;
  size_t klen = (size_t)(colon - data);
  const char *v = colon + 1;
  while (v < data + end && (*v == ' ' || *v == '\t'))
    v++;
  size_t vlen = (size_t)(data + end - v);
  char *key = xstrndup(data, klen);
  const Value *old = val_object_peek(call->rheaders, key);
  if (old) {
    StrBuf sb;
    sb_init(&sb);
    sb_put(&sb, val_str(old), val_strlen(old));
    sb_puts(&sb, ", ");
    sb_put(&sb, v, vlen);
    val_object_set_take(call->rheaders, key, klen, val_string_from_sb(&sb));
    sb_fini(&sb);
  } else {
    val_object_set_take(call->rheaders, key, klen, val_string(v, vlen));
  }
  free(key);
  return len;
}

/* ---- Calls ------------------------------------------------------------- */

static void call_fail(HttpCall *call, HttpResult r, const char *msg)
{
  call->resp.result = r;
  free(call->resp.error);
  call->resp.error = xstrdup(msg);
}

static HttpResult classify(CURLcode rc, bool too_large, bool aborted)
{
  switch (rc) {
  case CURLE_OK:
    return HTTP_OK;
  case CURLE_OPERATION_TIMEDOUT:
    return HTTP_ERR_TIMEOUT;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_CONNECT:
  case CURLE_GOT_NOTHING:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
    return HTTP_ERR_CONNECT;
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
    return HTTP_ERR_TLS;
  case CURLE_URL_MALFORMAT:
  case CURLE_UNSUPPORTED_PROTOCOL:
    return HTTP_ERR_BAD_URL;
  case CURLE_WRITE_ERROR:
    return too_large ? HTTP_ERR_TOO_LARGE
           : aborted ? HTTP_ERR_ABORTED
                     : HTTP_ERR_OTHER;
  default:
    return HTTP_ERR_OTHER;
  }
}

/* Moves the transfer's results into call->resp and detaches the easy
 * handle.  Runs the done callback last: it may free the call. */
static void call_finish(HttpCall *call, CURLcode rc)
{
  HttpResponse *r = &call->resp;
  long status = 0;
  char *eff = NULL;
  curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(call->easy, CURLINFO_EFFECTIVE_URL, &eff);
  r->status = status;
  r->final_url = eff ? xstrdup(eff) : NULL;
  r->result = classify(rc, call->too_large, call->aborted);
  if (r->result != HTTP_OK) {
    const char *why = call->errbuf[0] ? call->errbuf : curl_easy_strerror(rc);
    if (r->result == HTTP_ERR_TOO_LARGE)
      why = "response body exceeds the size limit";
    else if (r->result == HTTP_ERR_ABORTED)
      why = "transfer aborted by the receiver";
    call_fail(call, r->result, why);
  }
  r->body_len = call->rbody.len;
  r->body = sb_take(&call->rbody);
  r->headers = call->rheaders ? call->rheaders : val_object_new();
  call->rheaders = NULL;
  if (call->in_multi) {
    curl_multi_remove_handle(call->client->multi, call->easy);
    call->in_multi = false;
    call->client->n_running--;
  }
  curl_easy_cleanup(call->easy);
  call->easy = NULL;
  call->done = true;
  if (call->done_fn)
    call->done_fn(call->ud, call);
}

static bool has_header(const HttpRequest *req, const char *name)
{
  size_t n = strlen(name);
  for (size_t i = 0; i < req->n_headers; i++)
    if (strncasecmp(req->headers[i], name, n) == 0 && req->headers[i][n] == ':')
      return true;
  return false;
}

HttpCall *http_call_start(HttpClient *c, const HttpRequest *req,
                          HttpDoneFn done, void *ud)
{
  HttpCall *call = xcalloc(1, sizeof *call);
  call->client = c;
  call->done_fn = done;
  call->ud = ud;
  call->max_body = req->max_body;
  call->on_body = req->on_body;
  call->body_ud = req->body_ud;
  sb_init(&call->rbody);
  http_response_init(&call->resp);
  call->easy = curl_easy_init();
  if (!call->easy) {
    fputs("adfrun: curl_easy_init failed\n", stderr);
    abort();
  }
  CURL *e = call->easy;
  curl_easy_setopt(e, CURLOPT_URL, req->url);
  curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)call);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_USERAGENT, "adfrun/" ADF_VERSION);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, call);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, call);
  if (req->timeout_ms > 0)
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, req->timeout_ms);
  if (!req->no_redirects) {
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
  }
  if (req->insecure) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (req->cert_p12) {
    call->cert = xmalloc(req->cert_len ? req->cert_len : 1);
    memcpy(call->cert, req->cert_p12, req->cert_len);
    struct curl_blob blob = {call->cert, req->cert_len, CURL_BLOB_NOCOPY};
    curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &blob);
    curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "P12");
    if (req->cert_password) {
      call->cert_password = xstrdup(req->cert_password);
      curl_easy_setopt(e, CURLOPT_KEYPASSWD, call->cert_password);
    }
  }
  const char *method = req->method ? req->method : "GET";
  if (strcmp(method, "GET") == 0 && !req->body) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (strcmp(method, "HEAD") == 0) {
    /* NOBODY sends HEAD and does not wait for a body that never comes. */
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else {
    if (strcmp(method, "POST") != 0)
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    if (req->body || strcmp(method, "POST") == 0 ||
        strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0) {
      call->body = xmalloc(req->body_len + 1);
      if (req->body_len)
        memcpy(call->body, req->body, req->body_len);
      call->body[req->body_len] = '\0';
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                       (curl_off_t)req->body_len);
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->body);
    }
  }
  for (size_t i = 0; i < req->n_headers; i++)
    call->hdrs = curl_slist_append(call->hdrs, req->headers[i]);
  if (call->body && !has_header(req, "Content-Type"))
    call->hdrs = curl_slist_append(call->hdrs, "Content-Type:");
  call->hdrs = curl_slist_append(call->hdrs, "Expect:");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->hdrs);

  CURLMcode mc = curl_multi_add_handle(c->multi, e);
  if (mc != CURLM_OK) {
    call_fail(call, HTTP_ERR_OTHER, curl_multi_strerror(mc));
    call->resp.headers = val_object_new();
    curl_easy_cleanup(call->easy);
    call->easy = NULL;
    call->done = true;
    return call;
  }
  call->in_multi = true;
  c->n_running++;
  return call;
}

bool http_call_done(const HttpCall *call)
{
  return call->done;
}

HttpResponse *http_call_response(HttpCall *call)
{
  return &call->resp;
}

void http_call_free(HttpCall *call)
{
  if (!call)
    return;
  if (call->easy) {
    if (call->in_multi) {
      curl_multi_remove_handle(call->client->multi, call->easy);
      call->client->n_running--;
    }
    curl_easy_cleanup(call->easy);
  }
  curl_slist_free_all(call->hdrs);
  free(call->body);
  free(call->cert);
  free(call->cert_password);
  sb_fini(&call->rbody);
  val_unref(call->rheaders);
  http_response_fini(&call->resp);
  free(call);
}

void http_client_wait(HttpClient *c, int timeout_ms)
{
  int running = 0;
  long due = -1;
  curl_multi_perform(c->multi, &running);
  /* Honour libcurl's own timer: a handle just added (or a reused
   * connection) wants to be driven again at once, and polling its
   * sockets for the whole timeout would stall every request. */
  curl_multi_timeout(c->multi, &due);
  if (due >= 0 && due < timeout_ms)
    timeout_ms = (int)due;
  /* A transfer that completed inside that perform must be dispatched now,
   * not after a poll on sockets that will stay silent. */
  if (running < c->n_running)
    timeout_ms = 0;
  if (c->n_running > 0 && timeout_ms > 0)
    curl_multi_poll(c->multi, NULL, 0, timeout_ms, NULL);
  if (c->n_running > 0)
    curl_multi_perform(c->multi, &running);
  CURLMsg *msg;
  int left = 0;
  while ((msg = curl_multi_info_read(c->multi, &left))) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    HttpCall *call = NULL;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&call);
    CURLcode rc = msg->data.result;
    if (call)
      call_finish(call, rc);
  }
}

bool http_perform(HttpClient *c, const HttpRequest *req, HttpResponse *out)
{
  HttpCall *call = http_call_start(c, req, NULL, NULL);
  while (!call->done)
    http_client_wait(c, 1000);
  *out = call->resp;
  http_response_init(&call->resp);
  http_call_free(call);
  return out->result == HTTP_OK;
}

/* ---- The engine's driver ----------------------------------------------- */

static void *drv_create(Engine *eng)
{
  (void)eng;
  return http_client_new();
}

static bool drv_busy(void *ud)
{
  return http_client_busy(ud);
}

static void drv_wait(void *ud, int timeout_ms)
{
  http_client_wait(ud, timeout_ms);
}

static void drv_fini(void *ud)
{
  http_client_free(ud);
}

HttpClient *http_engine_client(Engine *eng)
{
  static const IoDriver ops = {NULL, drv_busy, drv_wait, drv_fini};
  return engine_driver(eng, "http", drv_create, &ops);
}

void http_global_init(void)
{
  pthread_once(&global_once, global_init_once);
}

void http_global_cleanup(void)
{
  curl_global_cleanup();
}

const char *http_library_version(void)
{
  return curl_version_info(CURLVERSION_NOW)->version;
}
