/*
 * tests/support/httpd.c -- a small scriptable HTTP/1.1 server for tests
 *
 * An accept thread plus one thread per connection.  Requests are parsed
 * (Content-Length bodies only; clients here never send chunked bodies),
 * handed to the handler under the server mutex, then answered with a
 * Content-Length response.  TLS uses libssl with a certificate the
 * openssl CLI makes in a temporary folder, or with given files (and then
 * optionally verifies client certificates: mutual TLS).
 */
#include "tests/support/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "expr/strbuf.h"

extern char **environ;

typedef struct Conn {
  Httpd *h;
  int fd;
  SSL *ssl;
  pthread_t thread;
  bool finished;
  char client_cn[128]; /* CN of the verified client certificate */
  struct Conn *next;
} Conn;

struct Httpd {
  HttpdHandler handler;
  void *ud;
  int lfd;
  int port;
  char url[64];
  pthread_t accept_thread;
  pthread_mutex_t mu;
  Conn *conns;
  bool stopping;
  int count;
  SSL_CTX *ctx;
  char tmpdir[64];
};

/* ---- Low-level I/O ----------------------------------------------------- */

static ssize_t conn_read(Conn *c, char *buf, size_t n)
{
  if (c->ssl) {
    int r = SSL_read(c->ssl, buf, (int)n);
    return r > 0 ? r : -1;
  }
  ssize_t r;
  do {
    r = recv(c->fd, buf, n, 0);
  } while (r < 0 && errno == EINTR);
  return r;
}

static bool conn_write(Conn *c, const char *buf, size_t n)
{
  while (n > 0) {
    ssize_t w;
    if (c->ssl) {
      int r = SSL_write(c->ssl, buf, (int)n);
      w = r > 0 ? r : -1;
    } else {
      w = send(c->fd, buf, n, MSG_NOSIGNAL);
    }
    if (w < 0 && errno == EINTR && !c->ssl)
      continue;
    if (w <= 0)
      return false;
    buf += w;
    n -= (size_t)w;
  }
  return true;
}

static void sleep_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* ---- Replies ------------------------------------------------------------ */

void httpd_set_body(HttpdReply *rep, const char *body, size_t len)
{
  free(rep->body);
  rep->body = xmalloc(len + 1);
  memcpy(rep->body, body, len);
  rep->body[len] = '\0';
  rep->body_len = len;
}

void httpd_add_header(HttpdReply *rep, const char *name, const char *value)
{
  StrBuf sb;
  sb_init(&sb);
  if (rep->headers)
    sb_puts(&sb, rep->headers);
  sb_printf(&sb, "%s: %s\r\n", name, value);
  free(rep->headers);
  rep->headers = sb_take(&sb);
}

void httpd_reply(HttpdReply *rep, int status, const char *content_type,
                 const char *body)
{
  rep->status = status;
  if (content_type)
    httpd_add_header(rep, "Content-Type", content_type);
  if (body)
    httpd_set_body(rep, body, strlen(body));
}

bool httpd_header(const HttpdRequest *req, const char *name, char *buf,
                  size_t size)
{
  size_t n = strlen(name);
  const char *p = req->headers;
  while (p && *p) {
    const char *eol = strstr(p, "\r\n");
    if (!eol)
      break;
    if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
      const char *v = p + n + 1;
      while (*v == ' ')
        v++;
      size_t vl = (size_t)(eol - v);
      if (vl >= size)
        vl = size - 1;
      memcpy(buf, v, vl);
      buf[vl] = '\0';
      return true;
    }
    p = eol + 2;
  }
  return false;
}

static const char *reason(int status)
{
  switch (status) {
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 202:
    return "Accepted";
  case 204:
    return "No Content";
  case 301:
    return "Moved Permanently";
  case 302:
    return "Found";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 500:
    return "Internal Server Error";
  default:
    return "Status";
  }
}

/* ---- Connections --------------------------------------------------------- */

/* Reads one request into 'req'; 'pending' keeps bytes of the next one.
 * Returns false at EOF or on errors. */
static bool read_request(Conn *c, StrBuf *pending, HttpdRequest *req)
{
  char buf[16384];
  char *end;
  while (!(end = strstr(pending->s, "\r\n\r\n"))) {
    ssize_t r = conn_read(c, buf, sizeof buf);
    if (r <= 0)
      return false;
    sb_put(pending, buf, (size_t)r);
  }
  size_t head_len = (size_t)(end - pending->s) + 4;
  char *line_end = strstr(pending->s, "\r\n");
  char *sp1 = memchr(pending->s, ' ', (size_t)(line_end - pending->s));
  if (!sp1)
    return false;
  char *sp2 = memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1));
  if (!sp2)
    sp2 = line_end;
  size_t ml = (size_t)(sp1 - pending->s);
  if (ml >= sizeof req->method)
    ml = sizeof req->method - 1;
  memcpy(req->method, pending->s, ml);
  req->method[ml] = '\0';
  req->target = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
  req->headers =
      xstrndup(line_end + 2, head_len - (size_t)(line_end + 2 - pending->s));
  char cl[32];
  size_t body_len = 0;
  if (httpd_header(req, "Content-Length", cl, sizeof cl))
    body_len = (size_t)strtoul(cl, NULL, 10);
  while (pending->len < head_len + body_len) {
    ssize_t r = conn_read(c, buf, sizeof buf);
    if (r <= 0)
      return false;
    sb_put(pending, buf, (size_t)r);
  }
  req->body = xstrndup(pending->s + head_len, body_len);
  req->body_len = body_len;
  size_t rest = pending->len - head_len - body_len;
  memmove(pending->s, pending->s + head_len + body_len, rest);
  pending->len = rest;
  pending->s[rest] = '\0';
  return true;
}

static void *conn_main(void *arg)
{
  Conn *c = arg;
  Httpd *h = c->h;
  StrBuf pending;
  sb_init(&pending);
  if (c->ssl && SSL_accept(c->ssl) <= 0)
    goto done;
  if (c->ssl && SSL_get_verify_result(c->ssl) == X509_V_OK) {
    X509 *peer = SSL_get1_peer_certificate(c->ssl);
    if (peer) {
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName,
                                c->client_cn, (int)sizeof c->client_cn);
      X509_free(peer);
    }
  }
  for (;;) {
    HttpdRequest req;
    memset(&req, 0, sizeof req);
    bool ok = read_request(c, &pending, &req);
    if (!ok) {
      free(req.target);
      free(req.headers);
      free(req.body);
      break;
    }
    HttpdReply rep = {.status = 200};
    memcpy(req.client_cn, c->client_cn, sizeof req.client_cn);
    pthread_mutex_lock(&h->mu);
    h->count++;
    h->handler(h->ud, &req, &rep);
    pthread_mutex_unlock(&h->mu);
    if (rep.delay_ms > 0)
      sleep_ms(rep.delay_ms);
    bool keep = !rep.hang_up;
    if (keep) {
      StrBuf out;
      sb_init(&out);
      sb_printf(&out, "HTTP/1.1 %d %s\r\n", rep.status, reason(rep.status));
      if (rep.headers)
        sb_puts(&out, rep.headers);
      sb_printf(&out, "Content-Length: %zu\r\n\r\n", rep.body_len);
      if (rep.body_len && strcmp(req.method, "HEAD") != 0)
        sb_put(&out, rep.body, rep.body_len);
      keep = conn_write(c, out.s, out.len);
      sb_fini(&out);
    }
    free(rep.headers);
    free(rep.body);
    free(req.target);
    free(req.headers);
    free(req.body);
    if (!keep)
      break;
  }
done:
  sb_fini(&pending);
  if (c->ssl)
    SSL_shutdown(c->ssl);
  shutdown(c->fd, SHUT_RDWR);
  pthread_mutex_lock(&h->mu);
  c->finished = true;
  pthread_mutex_unlock(&h->mu);
  return NULL;
}

static void *accept_main(void *arg)
{
  Httpd *h = arg;
  for (;;) {
    int fd = accept(h->lfd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      break;
    }
    pthread_mutex_lock(&h->mu);
    if (h->stopping) {
      pthread_mutex_unlock(&h->mu);
      close(fd);
      break;
    }
    Conn *c = xcalloc(1, sizeof *c);
    c->h = h;
    c->fd = fd;
    if (h->ctx) {
      c->ssl = SSL_new(h->ctx);
      SSL_set_fd(c->ssl, fd);
    }
    c->next = h->conns;
    h->conns = c;
    pthread_create(&c->thread, NULL, conn_main, c);
    pthread_mutex_unlock(&h->mu);
  }
  return NULL;
}

/* ---- TLS ----------------------------------------------------------------- */

static bool make_cert(Httpd *h)
{
  if (system("openssl version >/dev/null 2>&1") != 0) {
    puts("skipped: openssl CLI not found, no TLS server");
    return false;
  }
  snprintf(h->tmpdir, sizeof h->tmpdir, "/tmp/adfrun-httpd-XXXXXX");
  if (!mkdtemp(h->tmpdir))
    return false;
  char cmd[512];
  snprintf(cmd, sizeof cmd,
           "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
           "/CN=127.0.0.1 -keyout %s/key.pem -out %s/cert.pem "
           ">/dev/null 2>&1",
           h->tmpdir, h->tmpdir);
  if (system(cmd) != 0) {
    puts("skipped: openssl could not make a certificate");
    return false;
  }
  char cert[128], key[128];
  snprintf(cert, sizeof cert, "%s/cert.pem", h->tmpdir);
  snprintf(key, sizeof key, "%s/key.pem", h->tmpdir);
  h->ctx = SSL_CTX_new(TLS_server_method());
  if (!h->ctx ||
      SSL_CTX_use_certificate_file(h->ctx, cert, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_use_PrivateKey_file(h->ctx, key, SSL_FILETYPE_PEM) != 1) {
    puts("skipped: libssl refused the generated certificate");
    return false;
  }
  return true;
}

static void remove_tmp(Httpd *h)
{
  if (!h->tmpdir[0])
    return;
  char p[128];
  snprintf(p, sizeof p, "%s/cert.pem", h->tmpdir);
  unlink(p);
  snprintf(p, sizeof p, "%s/key.pem", h->tmpdir);
  unlink(p);
  rmdir(h->tmpdir);
}

/* ---- Life cycle ---------------------------------------------------------- */

static Httpd *serve_fail(Httpd *h)
{
  if (h->lfd >= 0)
    close(h->lfd);
  if (h->ctx)
    SSL_CTX_free(h->ctx);
  remove_tmp(h);
  pthread_mutex_destroy(&h->mu);
  free(h);
  return NULL;
}

/* Binds 127.0.0.1:0 and starts the accept thread; frees 'h' on failure. */
static Httpd *serve(Httpd *h, bool tls)
{
  h->lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (h->lfd < 0)
    goto fail;
  int one = 1;
  setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t al = sizeof a;
  if (bind(h->lfd, (struct sockaddr *)&a, sizeof a) < 0 ||
      listen(h->lfd, 128) < 0 ||
      getsockname(h->lfd, (struct sockaddr *)&a, &al) < 0)
    goto fail;
  h->port = ntohs(a.sin_port);
  snprintf(h->url, sizeof h->url, "%s://127.0.0.1:%d", tls ? "https" : "http",
           h->port);
  pthread_create(&h->accept_thread, NULL, accept_main, h);
  return h;
fail:
  return serve_fail(h);
}

static Httpd *httpd_new(HttpdHandler handler, void *ud)
{
  /* A client that gives up mid-answer (timeouts, aborted calls) closes
   * the socket; SSL_write has no MSG_NOSIGNAL, so without this the
   * server thread's write would kill the whole test with SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  Httpd *h = xcalloc(1, sizeof *h);
  h->handler = handler;
  h->ud = ud;
  h->lfd = -1;
  pthread_mutex_init(&h->mu, NULL);
  return h;
}

Httpd *httpd_start(HttpdHandler handler, void *ud, bool tls)
{
  Httpd *h = httpd_new(handler, ud);
  if (tls && !make_cert(h))
    return serve_fail(h);
  return serve(h, tls);
}

Httpd *httpd_start_tls(HttpdHandler handler, void *ud, const HttpdTls *tls)
{
  Httpd *h = httpd_new(handler, ud);
  h->ctx = SSL_CTX_new(TLS_server_method());
  bool ok =
      h->ctx &&
      SSL_CTX_use_certificate_file(h->ctx, tls->cert_file, SSL_FILETYPE_PEM) ==
          1 &&
      SSL_CTX_use_PrivateKey_file(h->ctx, tls->key_file, SSL_FILETYPE_PEM) == 1;
  if (ok && tls->client_ca) {
    ok = SSL_CTX_load_verify_locations(h->ctx, tls->client_ca, NULL) == 1;
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(tls->client_ca);
    if (names)
      SSL_CTX_set_client_CA_list(h->ctx, names);
    SSL_CTX_set_verify(h->ctx,
                       SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  }
  if (!ok) {
    puts("httpd: libssl refused the certificate files");
    return serve_fail(h);
  }
  return serve(h, true);
}

/* ---- Test PKI (openssl CLI) --------------------------------------------- */

static const char *const pki_files[] = {
    "ca.pem",     "ca.key",     "ca.srl",     "server.pem",
    "server.key", "server.csr", "server.ext", "client.pem",
    "client.key", "client.csr", "client.pfx", "openssl.log"};

static bool sh(const char *dir, const char *command)
{
  char cmd[1536];
  snprintf(cmd, sizeof cmd, "cd '%s' && %s >>openssl.log 2>&1", dir, command);
  return system(cmd) == 0;
}

bool httpd_make_pki(const char *dir, const char *pfx_password)
{
  if (system("openssl version >/dev/null 2>&1") != 0) {
    puts("skipped: openssl CLI not found, no test PKI");
    return false;
  }
  FILE *f;
  char p[512];
  snprintf(p, sizeof p, "%s/server.ext", dir);
  if (!(f = fopen(p, "w")))
    return false;
  fputs("subjectAltName=IP:127.0.0.1\n", f);
  fclose(f);
  char pfx_cmd[512];
  snprintf(pfx_cmd, sizeof pfx_cmd,
           "openssl pkcs12 -export -inkey client.key -in client.pem "
           "-out client.pfx -passout 'pass:%s'",
           pfx_password);
  bool ok =
      sh(dir, "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
              "/CN=adfrun-test-ca -keyout ca.key -out ca.pem") &&
      sh(dir, "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 "
              "-keyout server.key -out server.csr") &&
      sh(dir, "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
              "-CAcreateserial -days 1 -extfile server.ext -out server.pem") &&
      sh(dir,
         "openssl req -newkey rsa:2048 -nodes -subj /CN=adfrun-test-client "
         "-keyout client.key -out client.csr") &&
      sh(dir, "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key "
              "-CAcreateserial -days 1 -out client.pem") &&
      sh(dir, pfx_cmd);
  if (!ok)
    printf("skipped: openssl could not make the test PKI (see %s/openssl.log)"
           "\n",
           dir);
  return ok;
}

void httpd_remove_pki(const char *dir)
{
  char p[512];
  for (size_t i = 0; i < sizeof pki_files / sizeof *pki_files; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, pki_files[i]);
    unlink(p);
  }
  rmdir(dir);
}

void httpd_stop(Httpd *h)
{
  if (!h)
    return;
  pthread_mutex_lock(&h->mu);
  h->stopping = true;
  pthread_mutex_unlock(&h->mu);
  shutdown(h->lfd, SHUT_RDWR);
  pthread_join(h->accept_thread, NULL);
  close(h->lfd);
  pthread_mutex_lock(&h->mu);
  for (Conn *c = h->conns; c; c = c->next)
    if (!c->finished)
      shutdown(c->fd, SHUT_RDWR);
  Conn *list = h->conns;
  h->conns = NULL;
  pthread_mutex_unlock(&h->mu);
  while (list) {
    Conn *next = list->next;
    pthread_join(list->thread, NULL);
    if (list->ssl)
      SSL_free(list->ssl);
    close(list->fd);
    free(list);
    list = next;
  }
  if (h->ctx)
    SSL_CTX_free(h->ctx);
  remove_tmp(h);
  pthread_mutex_destroy(&h->mu);
  free(h);
}

int httpd_port(const Httpd *h)
{
  return h->port;
}

const char *httpd_url(const Httpd *h)
{
  return h->url;
}

int httpd_count(Httpd *h)
{
  pthread_mutex_lock(&h->mu);
  int n = h->count;
  pthread_mutex_unlock(&h->mu);
  return n;
}

/* The child's environment: no Azure or proxy variables from the parent,
 * no 'az' on PATH, every token host on a closed loopback port unless
 * 'env' (NAME=VALUE, NULL-terminated) says otherwise. */
void httpd_child_env(const char *const *env)
{
  static const char *const prefixes[] = {
      "AZURE_",     "IDENTITY_",   "MSI_",      "http_proxy", "https_proxy",
      "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"};
  char *names[512];
  size_t n = 0;
  for (char **e = environ; *e && n < 512; e++)
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
      if (strncmp(*e, prefixes[i], strlen(prefixes[i])) == 0) {
        const char *eq = strchr(*e, '=');
        names[n++] = xstrndup(*e, eq ? (size_t)(eq - *e) : strlen(*e));
        break;
      }
  for (size_t i = 0; i < n; i++) {
    unsetenv(names[i]);
    free(names[i]);
  }
  setenv("PATH", "/nonexistent", 1);
  setenv("NO_PROXY", "*", 1);
  setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9", 1);
  setenv("AZURE_AUTHORITY_HOST", "http://127.0.0.1:9", 1);
  for (size_t i = 0; env && env[i]; i++) {
    const char *eq = strchr(env[i], '=');
    if (!eq)
      continue;
    char *name = xstrndup(env[i], (size_t)(eq - env[i]));
    setenv(name, eq + 1, 1);
    free(name);
  }
}
