/* Temporary output files removed when the process is interrupted or exits, so a cancelled export
 * leaves nothing behind. The handler only calls async-signal-safe functions (unlink, signal, raise). */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

enum { MAX_TEMPS = 64, MAX_PATH_BYTES = 4096 };

static char temp_paths[MAX_TEMPS][MAX_PATH_BYTES];
static volatile sig_atomic_t temp_used[MAX_TEMPS];
static volatile sig_atomic_t handlers_installed;
static pthread_mutex_t temp_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_fatal_signal(int sig) {
    for (int i = 0; i < MAX_TEMPS; ++i) {
        if (temp_used[i]) unlink(temp_paths[i]);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* A process that exits while a temporary is still registered (e.g. the UI quits during an export)
 * removes it too. */
static void remove_all_at_exit(void) {
    for (int i = 0; i < MAX_TEMPS; ++i) {
        if (temp_used[i]) unlink(temp_paths[i]);
    }
}

static void install_handlers(void) {
    if (handlers_installed) return;
    handlers_installed = 1;
    atexit(remove_all_at_exit);
    const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; ++i) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
    /* A write past `ulimit -f` then fails with EFBIG (one clear error) instead of killing us. */
    signal(SIGXFSZ, SIG_IGN);
}

int eio_temp_register(const char *path) {
    size_t n = strlen(path);
    if (n >= MAX_PATH_BYTES) return 0;
    pthread_mutex_lock(&temp_lock);
    install_handlers();
    int ok = 0;
    for (int i = 0; i < MAX_TEMPS && !ok; ++i) {
        if (!temp_used[i]) {
            memcpy(temp_paths[i], path, n + 1);
            temp_used[i] = 1;
            ok = 1;
        }
    }
    pthread_mutex_unlock(&temp_lock);
    return ok;
}

void eio_temp_unregister(const char *path) {
    pthread_mutex_lock(&temp_lock);
    for (int i = 0; i < MAX_TEMPS; ++i) {
        if (temp_used[i] && strcmp(temp_paths[i], path) == 0) {
            temp_used[i] = 0;
            break;
        }
    }
    pthread_mutex_unlock(&temp_lock);
}
