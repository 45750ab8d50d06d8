// SPDX-License-Identifier: GPL-2.0
/*
 * Text and JSON output, see print.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"

#define PRINT_MAX_DEPTH	16
#define PRINT_INDENT	4

struct print_level {
	bool array;
	unsigned int count;	/* members printed so far */
};

static struct {
	FILE *fp;
	bool json;
	bool pretty;

	/* JSON: the open containers; past PRINT_MAX_DEPTH only counted. */
	unsigned int depth;
	struct print_level level[PRINT_MAX_DEPTH];

	/* Text: what the current line holds. */
	bool line_used;
	char last;
} pr = { .fp = NULL };

void print_init(bool json, bool pretty)
{
	pr.fp = stdout;
	pr.json = json;
	pr.pretty = json && pretty;
	pr.depth = 0;
	pr.line_used = false;
}

bool print_is_json(void)
{
	return pr.json;
}

/* ---------------------------------------------------------------- */
/* JSON                                                               */

static void json_indent(void)
{
	fprintf(pr.fp, "\n%*s", (int)(pr.depth * PRINT_INDENT), "");
}

/* Length of the valid UTF-8 sequence at @s, 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD. */
static void json_string(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	putc('"', pr.fp);
	while (*s) {
		switch (*s) {
		case '"':
			fputs("\\\"", pr.fp);
			break;
		case '\\':
			fputs("\\\\", pr.fp);
			break;
		case '\b':
			fputs("\\b", pr.fp);
			break;
		case '\f':
			fputs("\\f", pr.fp);
			break;
		case '\n':
			fputs("\\n", pr.fp);
			break;
		case '\r':
			fputs("\\r", pr.fp);
			break;
		case '\t':
			fputs("\\t", pr.fp);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(pr.fp, "\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", pr.fp);
				break;
			}
			fwrite(s, 1, n, pr.fp);
			s += n;
			continue;
		}
		s++;
	}
	putc('"', pr.fp);
}

/* Separator, indentation and key before a member. */
static void json_member(const char *key)
{
	struct print_level *lvl;

	if (!pr.depth)
		return;
	lvl = pr.depth <= PRINT_MAX_DEPTH ? &pr.level[pr.depth - 1] : NULL;
	if (lvl && lvl->count++)
		putc(',', pr.fp);
	if (pr.pretty)
		json_indent();
	if (lvl && !lvl->array) {
		json_string(key ? key : "");
		fputs(pr.pretty ? ": " : ":", pr.fp);
	}
}

/* After a member: a complete top-level value ends its line. */
static void json_done(void)
{
	if (!pr.depth)
		putc('\n', pr.fp);
}

static void json_open(const char *key, bool array)
{
	json_member(key);
	putc(array ? '[' : '{', pr.fp);
	if (pr.depth < PRINT_MAX_DEPTH)
		pr.level[pr.depth] = (struct print_level){ .array = array };
	pr.depth++;
}

static void json_close(bool array)
{
	bool empty;

	if (!pr.depth)
		return;
	empty = pr.depth <= PRINT_MAX_DEPTH && !pr.level[pr.depth - 1].count;
	pr.depth--;
	if (pr.pretty && !empty)
		json_indent();
	putc(array ? ']' : '}', pr.fp);
	json_done();
}

/* ---------------------------------------------------------------- */
/* Text                                                               */

/* One space between items on a line, unless one of them brings its own. */
static void text_vprint(const char *fmt, va_list ap)
{
	char *s;
	int len;

	len = vasprintf(&s, fmt, ap);
	if (len < 0)
		return;
	if (len) {
		if (pr.line_used && pr.last != ' ' &&
		    pr.last != '\n' && s[0] != ' ')
			putc(' ', pr.fp);
		fputs(s, pr.fp);
		pr.last = s[len - 1];
		pr.line_used = pr.last != '\n';
	}
	free(s);
}

static void text_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_vprint(fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- */
/* The interface                                                      */

void open_object(const char *key)
{
	if (pr.json)
		json_open(key, false);
}

void close_object(void)
{
	if (pr.json)
		json_close(false);
}

void open_array(const char *key)
{
	if (pr.json)
		json_open(key, true);
}

void close_array(void)
{
	if (pr.json)
		json_close(true);
}

void print_string(const char *key, const char *fmt, const char *value)
{
	if (!value)
		value = "";
	if (pr.json) {
		json_member(key);
		json_string(value);
		json_done();
	} else if (fmt) {
		text_print(fmt, value);
	}
}

void print_u32(const char *key, const char *fmt, uint32_t value)
{
	if (pr.json) {
		json_member(key);
		fprintf(pr.fp, "%" PRIu32, value);
		json_done();
	} else if (fmt) {
		text_print(fmt, value);
	}
}

void print_s32(const char *key, const char *fmt, int32_t value)
{
	if (pr.json) {
		json_member(key);
		fprintf(pr.fp, "%" PRId32, value);
		json_done();
	} else if (fmt) {
		text_print(fmt, value);
	}
}

void print_u64(const char *key, const char *fmt, uint64_t value)
{
	if (pr.json) {
		json_member(key);
		fprintf(pr.fp, "%" PRIu64, value);
		json_done();
	} else if (fmt) {
		text_print(fmt, value);
	}
}

void print_bool(const char *key, const char *fmt, bool value)
{
	if (pr.json) {
		json_member(key);
		fputs(value ? "true" : "false", pr.fp);
		json_done();
	} else if (fmt) {
		text_print(fmt, value ? "true" : "false");
	}
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (pr.json)
		return;
	va_start(ap, fmt);
	text_vprint(fmt, ap);
	va_end(ap);
}

void print_nl(void)
{
	if (pr.json || !pr.line_used)
		return;
	putc('\n', pr.fp);
	pr.line_used = false;
	pr.last = '\n';
}

int print_flush(void)
{
	errno = 0;
	if (fflush(pr.fp) || ferror(pr.fp))
		return errno ? -errno : -EIO;
	return 0;
}

int print_end(void)
{
	while (pr.json && pr.depth) {
		bool array = pr.depth <= PRINT_MAX_DEPTH &&
			     pr.level[pr.depth - 1].array;

		json_close(array);
	}
	print_nl();
	return print_flush();
}
