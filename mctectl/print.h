/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one output path of mctectl: every object printer calls only these,
 * and they write text or JSON depending on -j/-p.
 *
 * Text: each print_*() with a non-NULL @fmt writes printf(@fmt, value),
 * separated from what precedes it on the line by one space (unless either
 * side brings its own); a NULL @fmt prints nothing in text mode.
 * print_text() writes text-only labels and indentation the same way, and
 * print_nl() ends the current line.
 *
 * JSON: each print_*() adds "@key": value to the current object, or a
 * value to the current array (@key is then ignored). A top-level value
 * (nothing open around it) is followed by a newline, so that a stream of
 * top-level objects is one JSON document per line.
 */
#ifndef MCTECTL_PRINT_H
#define MCTECTL_PRINT_H

#include <stdbool.h>
#include <stdint.h>

void print_init(bool json, bool pretty);
bool print_is_json(void);
/* Close what is still open (after an error), flush; 0 or -errno. */
int print_end(void);
/* Flush stdout, e.g. after each event of a monitor; 0 or -errno. */
int print_flush(void);

void open_object(const char *key);
void close_object(void);
void open_array(const char *key);
void close_array(void);

void print_string(const char *key, const char *fmt, const char *value);
void print_u32(const char *key, const char *fmt, uint32_t value);
void print_s32(const char *key, const char *fmt, int32_t value);
void print_u64(const char *key, const char *fmt, uint64_t value);
void print_bool(const char *key, const char *fmt, bool value);

void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_nl(void);

#endif /* MCTECTL_PRINT_H */
