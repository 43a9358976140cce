#ifndef GATEWYSE_CSQLITESETUP_H
#define GATEWYSE_CSQLITESETUP_H

/// Puts SQLite in multi-thread mode with memory statistics off, before its first use.
///
/// `sqlite3_config` is variadic, so Swift cannot call it: this is its one caller. Returns 0 when
/// both settings took, or SQLite's error code (SQLITE_MISUSE once SQLite is initialized).
int gatewyse_sqlite_configure(void);

#endif
