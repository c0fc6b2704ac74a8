/*
 * charset.h
 *	  GS1 character sets, and naming a character in an error message.
 *
 * Lot codes and most GS1 data use "CSET 82" (the printable ASCII characters
 * that survive every barcode symbology); a few GS1 keys use the smaller
 * "CSET 39".  The tables live in one place so that the lot type, the lot
 * templates and the barcode parser all agree on them.
 */
#ifndef LOTTRACE_CHARSET_H
#define LOTTRACE_CHARSET_H

extern const bool lottrace_cset82_table[256];
extern const bool lottrace_cset39_table[256];

static inline bool
is_cset82(unsigned char c)
{
	return lottrace_cset82_table[c];
}

static inline bool
is_cset39(unsigned char c)
{
	return lottrace_cset39_table[c];
}

static inline bool
is_ascii_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_ascii_alnum(unsigned char c)
{
	return is_ascii_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Value of a hexadecimal digit, or -1 (percent-encoding in URIs). */
static inline int
hex_digit_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* White space that input functions trim: what scanners and CSV files add. */
static inline bool
is_trimmable_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * The character at "p" (which points into a string of the database encoding
 * ending at "end"), spelled for an error message: "#" for printable ASCII,
 * U+001D for anything else, so that control characters and look-alikes are
 * visible.  palloc'd.
 */
extern char *lottrace_describe_char(const char *p, const char *end);

/* 1-based character (not byte) position of "p" within "start". */
extern int	lottrace_char_position(const char *start, const char *p);

#endif							/* LOTTRACE_CHARSET_H */
