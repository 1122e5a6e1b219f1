#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "CParleySystem.h"

int parley_eventfd(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

void parley_set_thread_name(const char *name) {
    char shortened[16];
    int i = 0;
    for (; i < 15 && name[i] != 0; i++) shortened[i] = name[i];
    shortened[i] = 0;
    pthread_setname_np(pthread_self(), shortened);
}

int parley_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int parley_epoll_add(int epoll, int fd, uint64_t tag) {
    struct epoll_event event = { .events = EPOLLIN, .data.u64 = tag };
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}

int parley_epoll_add_oneshot(int epoll, int fd, uint64_t tag) {
    struct epoll_event event = { .events = EPOLLIN | EPOLLONESHOT, .data.u64 = tag };
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}

int parley_epoll_remove(int epoll, int fd) {
    return epoll_ctl(epoll, EPOLL_CTL_DEL, fd, NULL);
}

int parley_epoll_wait(int epoll, uint64_t *tags, int capacity, int timeout_ms) {
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    int count = epoll_wait(epoll, events, capacity, timeout_ms);
    for (int i = 0; i < count; i++) tags[i] = events[i].data.u64;
    return count;
}

void parley_limit_malloc_arenas(int arenas) {
    mallopt(M_ARENA_MAX, arenas);
}

void parley_release_free_memory(void) {
    malloc_trim(0);
}

int parley_set_dumpable(int dumpable) {
    return prctl(PR_SET_DUMPABLE, (unsigned long)dumpable, 0, 0, 0);
}

int parley_get_dumpable(void) {
    return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
}
