/* tui: `heapglass FILE [options]`, the interactive viewer.
 *
 * Loads FILE with a progress bar (q aborts), runs the analyses, then runs
 * the viewer (tui/view/app.h).  With --keys SCRIPT it runs headless: no
 * terminal is touched, keys come from the script (tui/core/keys.h), and
 * --dump-screen FILE writes the final screen as text; --timing FILE writes
 * one line per key with the milliseconds it took to handle and redraw.
 */
#ifndef HEAPGLASS_TUI_H
#define HEAPGLASS_TUI_H

/* argv[1..] are FILE and options.  Returns the exit status. */
int tui_main(int argc, char **argv);

/* The viewer as a command of the command line (its name is NULL): its
 * declared options, for tui_main() and for `heapglass --help`. */
struct command;
extern const struct command tui_command;

#endif
