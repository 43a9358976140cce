#include "CSQLiteSetup.h"
#include <sqlite3.h>

// Why (decisions/0031): Debian's SQLite is built serialized, so every call on a connection
// (each bind, step and reset of the usage writer's ~30 calls per row) takes that connection's
// mutex, and memory statistics take a global one on every allocation. GRDB already gives each
// connection to one thread at a time (its serialized queues), which is exactly SQLite's
// multi-thread mode; the statistics are never read.
int gatewyse_sqlite_configure(void) {
    int result = sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    if (result != SQLITE_OK) return result;
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
