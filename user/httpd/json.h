/*
 * user/httpd/json.h — JSON out (escaped strings into a buf) and in (a strict validator that
 * also finds one top-level member), all the REST interface needs.
 */
#ifndef HTTPD_JSON_H
#define HTTPD_JSON_H

#include <stddef.h>
#include "httpd.h"

/* Appends s as a JSON string literal; bytes that are not valid UTF-8 become U+FFFD. */
void json_string(struct buf *b, const char *s);

/* What json_member found. */
enum json_kind { JSON_NONE, JSON_STRING, JSON_NUMBER, JSON_OTHER };

/*
 * Validates text (n bytes) as one JSON object (RFC 8259) and looks up the top-level member
 * name: its string (unescaped, at most outn - 1 bytes) or number text goes to out. Returns
 * the member's kind, JSON_NONE when absent, or -1 when text is not a valid JSON object.
 */
int json_member(const char *text, size_t n, const char *name, char *out, size_t outn);

#endif
