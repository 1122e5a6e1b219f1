#ifndef PARLEY_TLS_SHIM_H
#define PARLEY_TLS_SHIM_H

// Wrappers for OpenSSL function-like macros, which Swift cannot import.
// Each is a one-line call of the macro it is named after; no policy lives here.

#include <stdint.h>
#include <openssl/ssl.h>
#include <openssl/bio.h>

int parley_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
int parley_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
long parley_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
long parley_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode);
int parley_SSL_set_tlsext_host_name(SSL *ssl, const char *name);
long parley_BIO_get_mem_data(BIO *bio, char **data);
int parley_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list);
int parley_SSL_get_negotiated_group(SSL *ssl);

// SSL_OP_* are built with the SSL_OP_BIT(n) macro, so they do not import either.
extern const uint64_t parley_SSL_OP_NO_COMPRESSION;
extern const uint64_t parley_SSL_OP_NO_RENEGOTIATION;
extern const uint64_t parley_SSL_OP_CIPHER_SERVER_PREFERENCE;
extern const uint64_t parley_SSL_OP_NO_TICKET;
extern const uint64_t parley_SSL_OP_IGNORE_UNEXPECTED_EOF;
extern const uint64_t parley_SSL_OP_CLEANSE_PLAINTEXT;

#endif
