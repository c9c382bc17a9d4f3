/* report-input.h - input discovery for `wsclosed report`: the files,
 * directories (and shell-expanded globs) of the command line sorted into
 * captures and JSON Lines files.
 */
#ifndef WS_REPORT_INPUT_H
#define WS_REPORT_INPUT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Sort inputs (NULL-terminated) into captures and JSON Lines files (paths
 * appended, g_malloc'd): a directory gives its captures in natural order
 * (x.pcap2 before x.pcap10), a file is JSON Lines when its first non-space
 * byte is '{' or it is empty, else a capture.  Returns the number of inputs
 * that could not be used, each told on stderr. */
int ws_report_collect_inputs (char **inputs, GPtrArray *caps, GPtrArray *jsonl);

/* A capture's name in a directory: name.pcap, name.pcapng, name.cap,
 * optionally .gz, and rotated names: name.pcap0 (tcpdump -C/-W),
 * name.pcap.1 (logrotate). */
bool ws_report_is_capture_name (const char *name);

/* Size of a file, 0 when it cannot be seen. */
uint64_t ws_report_file_size (const char *path);

#endif
