#ifndef CPARLEY_SYSTEM_H
#define CPARLEY_SYSTEM_H

/* Linux calls that Glibc's Swift module does not bring in. */

/* A non-blocking, close-on-exec eventfd: one descriptor to wake a thread in poll(). */
int parley_eventfd(void);

/* Names the calling thread (at most 15 bytes show), for top -H and gdb. */
void parley_set_thread_name(const char *name);

#include <stdint.h>

/* Gives free heap pages back to the kernel (glibc's malloc_trim): after a wave of TLS
   handshakes, the buffers they freed would otherwise stay resident as holes. */
void parley_release_free_memory(void);

/* Caps glibc's malloc arenas (M_ARENA_MAX). By default a busy thread gets an arena of
   its own, up to 8 per core; each connection's long-lived TLS state then lies scattered
   among other threads' freed handshake buffers, and the pages holding it stay resident. */
void parley_limit_malloc_arenas(int arenas);

/* epoll, flattened to plain integers: an event loop over many sockets that wakes only
   for the ready ones. Each descriptor is registered with a caller's 64-bit tag. */
int parley_epoll_create(void);
int parley_epoll_add(int epoll, int fd, uint64_t tag);
/* Watches fd for one readable (or error, or end-of-stream) event, then stays disarmed. */
int parley_epoll_add_oneshot(int epoll, int fd, uint64_t tag);
int parley_epoll_remove(int epoll, int fd);
/* Waits up to timeout_ms; writes the tags of ready descriptors; returns how many (or -1). */
int parley_epoll_wait(int epoll, uint64_t *tags, int capacity, int timeout_ms);

/* prctl(PR_SET_DUMPABLE) and prctl(PR_GET_DUMPABLE): prctl is variadic, which Swift
   cannot call. An undumpable process leaves no core file and cannot be attached to by
   other processes of its user (ptrace), so its memory (the private key, password hashes
   in flight) stays its own. Set returns 0 or -1 (errno); get returns 0 or 1. */
int parley_set_dumpable(int dumpable);
int parley_get_dumpable(void);

#endif
