#ifndef CPARLEY_SYSTEM_H
#define CPARLEY_SYSTEM_H

/* Linux calls that Glibc's Swift module does not bring in. */

/* A non-blocking, close-on-exec eventfd: one descriptor to wake a thread in poll(). */
int parley_eventfd(void);

/* Names the calling thread (at most 15 bytes show), for top -H and gdb. */
void parley_set_thread_name(const char *name);

#endif
