#ifndef PARLEY_CSQLITE_H
#define PARLEY_CSQLITE_H

#include <sqlite3.h>

/* SQLITE_TRANSIENT is a macro built from a pointer cast, which Swift cannot
   import. Exposing it through a function keeps the Swift side free of
   unsafeBitCast tricks: SQLite makes its own copy of the bound bytes before
   the bind call returns, so Swift's temporary buffers are safe to pass. */
static inline sqlite3_destructor_type csqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

#endif
