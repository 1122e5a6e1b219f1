#define _GNU_SOURCE
#include <pthread.h>
#include <sys/eventfd.h>
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
