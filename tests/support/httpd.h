/*
 * tests/support/httpd.h -- a small scriptable HTTP/1.1 server for tests
 *
 * Listens on 127.0.0.1 with an ephemeral port, one thread per connection,
 * keep-alive, optional TLS (a certificate made by the openssl CLI at test
 * time).  The handler runs under the server's mutex, so it may keep state
 * without locking; a reply's delay is served after the mutex is released,
 * so slow replies overlap.  Never reaches anything but loopback.
 * httpd_start_tls() serves given certificate files and can require and
 * verify client certificates (mutual TLS); httpd_make_pki() makes a test
 * CA, server and client certificates and a client PFX with the openssl CLI.
 */
#ifndef TESTS_SUPPORT_HTTPD_H
#define TESTS_SUPPORT_HTTPD_H

#include <stdbool.h>
#include <stddef.h>

typedef struct HttpdRequest {
  char method[16];
  char *target;  /* path and query as sent */
  char *headers; /* raw header block, "Name: value\r\n" lines */
  char *body;    /* NUL-terminated */
  size_t body_len;
  char client_cn[128]; /* CN of the verified client certificate, or "" */
} HttpdRequest;

typedef struct HttpdReply {
  int status;    /* default 200 */
  char *headers; /* owned extra "Name: value\r\n" lines */
  char *body;    /* owned */
  size_t body_len;
  int delay_ms; /* sleep before answering */
  bool hang_up; /* close the connection without answering */
} HttpdReply;

typedef void (*HttpdHandler)(void *ud, const HttpdRequest *req,
                             HttpdReply *rep);
typedef struct Httpd Httpd;

/* Starts a server.  With 'tls' a self-signed certificate for 127.0.0.1 is
 * generated with the openssl CLI; returns NULL (and prints why) when that
 * is impossible.  Returns NULL on socket errors too. */
Httpd *httpd_start(HttpdHandler handler, void *ud, bool tls);
/* Stops accepting, closes every connection, joins the threads, frees. */
void httpd_stop(Httpd *h);

/* Files for httpd_start_tls(); paths are read once at start. */
typedef struct HttpdTls {
  const char *cert_file; /* server certificate (PEM) */
  const char *key_file;  /* its private key (PEM) */
  const char *client_ca; /* non-NULL: require a client certificate that
                            this CA (PEM) signed */
} HttpdTls;
/* Starts an https server with those files.  NULL (and a printed reason)
 * when libssl refuses them or on socket errors. */
Httpd *httpd_start_tls(HttpdHandler handler, void *ud, const HttpdTls *tls);

/* Makes, in the existing folder 'dir', with the openssl CLI: ca.pem,
 * server.pem + server.key (CN and IP 127.0.0.1, signed by the CA),
 * client.pem + client.key (CN "adfrun-test-client", signed by the CA) and
 * client.pfx (PKCS#12 of the client, protected by 'pfx_password').
 * Returns false (and prints why) when openssl is missing or fails. */
bool httpd_make_pki(const char *dir, const char *pfx_password);
/* Removes the files httpd_make_pki() made and 'dir' itself. */
void httpd_remove_pki(const char *dir);
int httpd_port(const Httpd *h);
/* "http://127.0.0.1:PORT" or "https://..." (borrowed). */
const char *httpd_url(const Httpd *h);
/* Number of requests served so far. */
int httpd_count(Httpd *h);

/* For a forked child about to exec adfrun: removes every Azure and proxy
 * variable inherited from the parent, empties PATH (no 'az'), points
 * the token hosts at a closed loopback port, then sets 'env' (NAME=VALUE
 * strings, NULL-terminated, may be NULL). */
void httpd_child_env(const char *const *env);

/* Header value of a request (case-insensitive name), copied into 'buf';
 * returns false when absent. */
bool httpd_header(const HttpdRequest *req, const char *name, char *buf,
                  size_t size);

/* Reply helpers (call from handlers). */
void httpd_set_body(HttpdReply *rep, const char *body, size_t len);
void httpd_add_header(HttpdReply *rep, const char *name, const char *value);
void httpd_reply(HttpdReply *rep, int status, const char *content_type,
                 const char *body);

#endif /* TESTS_SUPPORT_HTTPD_H */
