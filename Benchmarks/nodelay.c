/* LD_PRELOAD shim for the IRC peer: sets TCP_NODELAY on every accepted socket, so
   both servers are measured with the same setting (ngircd never sets it, and Nagle's
   delay would dominate its latency). Built by run.sh; used for no other purpose. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void no_delay(int fd) {
    int one = 1;
    if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int accept(int fd, struct sockaddr *address, socklen_t *length) {
    static int (*real)(int, struct sockaddr *, socklen_t *);
    if (!real) real = dlsym(RTLD_NEXT, "accept");
    int client = real(fd, address, length);
    no_delay(client);
    return client;
}

int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    static int (*real)(int, struct sockaddr *, socklen_t *, int);
    if (!real) real = dlsym(RTLD_NEXT, "accept4");
    int client = real(fd, address, length, flags);
    no_delay(client);
    return client;
}
