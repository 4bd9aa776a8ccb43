#ifndef INETLAB_CNCURSESW_SHIM_H
#define INETLAB_CNCURSESW_SHIM_H
// SwiftPM drops pkg-config's -D flags: ask for the wide-character API here.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <langinfo.h>
#include <signal.h>
#include <curses.h>

// Globals and function-like macros, wrapped so Swift can use them.
static inline WINDOW *inetlab_stdscr(void) { return stdscr; }
static inline int inetlab_color_pairs(void) { return COLOR_PAIRS; }
static inline int inetlab_colors(void) { return COLORS; }
static inline int inetlab_getmaxx(void) { return getmaxx(stdscr); }
static inline int inetlab_getmaxy(void) { return getmaxy(stdscr); }
static inline attr_t inetlab_a_normal(void) { return A_NORMAL; }
static inline attr_t inetlab_a_bold(void) { return A_BOLD; }
static inline attr_t inetlab_a_reverse(void) { return A_REVERSE; }
static inline attr_t inetlab_a_dim(void) { return A_DIM; }
static inline attr_t inetlab_a_underline(void) { return A_UNDERLINE; }
static inline int inetlab_get_wch(wint_t *c) { return wget_wch(stdscr, c); }
static inline int inetlab_attr_set(attr_t attrs, short pair) { return wattr_set(stdscr, attrs, pair, NULL); }
static inline int inetlab_mvaddnstr(int y, int x, const char *s, int n) { return mvwaddnstr(stdscr, y, x, s, n); }
/// newterm on the process's standard output and input, for terminal type `type` (NULL: $TERM).
/// Returns NULL if the terminal cannot be driven.
static inline SCREEN *inetlab_newterm(const char *type) { return newterm(type, stdout, stdin); }
static inline const char *inetlab_codeset(void) { return nl_langinfo(CODESET); }

// The mouse: left clicks and the wheel.
static inline mmask_t inetlab_mouse_events(void) {
    return BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED;
}
/// Reads a mouse event: 1 = left click, 4 = wheel up, 5 = wheel down, 0 = anything else, -1 = none.
static inline int inetlab_getmouse(int *x, int *y) {
    MEVENT e;
    if (getmouse(&e) != OK) return -1;
    *x = e.x; *y = e.y;
    if (e.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) return 1;
    if (e.bstate & BUTTON4_PRESSED) return 4;
#if NCURSES_MOUSE_VERSION > 1
    if (e.bstate & BUTTON5_PRESSED) return 5;
#endif
    return 0;
}

// On a fatal signal (a crash or a Swift trap), restore the terminal before dying, then die the same way.
static inline void inetlab_fatal_signal(int sig) {
    endwin();
    signal(sig, SIG_DFL);
    raise(sig);
}
static inline void inetlab_install_fatal_handlers(void) {
    int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], inetlab_fatal_signal);
}
static inline void inetlab_reset_fatal_handlers(void) {
    int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
}
#endif
