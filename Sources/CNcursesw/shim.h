#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/curses.h>

/* Swift 6 rejects direct use of the mutable C globals stdscr/LINES/COLS; read them through these. */
static inline WINDOW *enhance_stdscr(void) { return stdscr; }
static inline mmask_t enhance_wheel_up_mask(void) { return BUTTON4_PRESSED; }
static inline mmask_t enhance_wheel_down_mask(void) { return BUTTON5_PRESSED; }
static inline mmask_t enhance_button1_pressed_mask(void) { return BUTTON1_PRESSED; }
static inline mmask_t enhance_button1_released_mask(void) { return BUTTON1_RELEASED; }
static inline mmask_t enhance_report_position_mask(void) { return REPORT_MOUSE_POSITION; }
