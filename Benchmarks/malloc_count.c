// Counts the allocations of a process, for Benchmarks/fanout-cost.sh: LD_PRELOAD it and
// send the process SIGUSR2 to append "mallocs frees bytes" to $MALLOC_COUNT_FILE.
// Every allocating entry point of glibc's malloc is counted, and forwarded to glibc's
// own (the __libc_ names, so no dlsym and no recursion).
//
//   cc -O2 -shared -fPIC -o /tmp/malloc_count.so Benchmarks/malloc_count.c
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static atomic_ulong allocations, releases, allocated_bytes;

static void counted(size_t size) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&allocated_bytes, size, memory_order_relaxed);
}

void *malloc(size_t size) { counted(size); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { counted(n * size); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { counted(size); return __libc_realloc(p, size); }
void *memalign(size_t alignment, size_t size) { counted(size); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { counted(size); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    counted(size);
    void *p = __libc_memalign(alignment, size);
    if (p == NULL) return 12;  // ENOMEM
    *out = p;
    return 0;
}
void free(void *p) {
    if (p != NULL) atomic_fetch_add_explicit(&releases, 1, memory_order_relaxed);
    __libc_free(p);
}

// Async-signal-safe: open, write and close only, the number formatted by hand.
static char *decimal(char *end, unsigned long value) {
    do { *--end = (char)('0' + value % 10); value /= 10; } while (value != 0);
    return end;
}

static void snapshot(int signal) {
    (void)signal;
    const char *path = getenv("MALLOC_COUNT_FILE");
    if (path == NULL) return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) return;
    char line[96];
    char *end = line + sizeof line;
    char *p = end;
    *--p = '\n';
    p = decimal(p, atomic_load(&allocated_bytes));
    *--p = ' ';
    p = decimal(p, atomic_load(&releases));
    *--p = ' ';
    p = decimal(p, atomic_load(&allocations));
    ssize_t ignored = write(fd, p, (size_t)(end - p));
    (void)ignored;
    close(fd);
}

__attribute__((constructor)) static void install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = snapshot;
    action.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &action, NULL);
}
