/*
 * charset.c
 *	  GS1 character sets (CSET 82, CSET 39) and error-message spelling of
 *	  characters.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "charset.h"

/* GS1 General Specifications, figure 7.11-1: A-Z a-z 0-9 !"%&'()*+,-./:;<=>?_ */
#define CSET82_PUNCTUATION "!\"%&'()*+,-./:;<=>?_"

/* GS1 General Specifications, figure 7.11-2: # - / 0-9 A-Z */
#define CSET39_PUNCTUATION "#-/"

#define R(c) [c] = true
#define DIGITS R('0'), R('1'), R('2'), R('3'), R('4'), R('5'), R('6'), R('7'), R('8'), R('9')
#define UPPER R('A'), R('B'), R('C'), R('D'), R('E'), R('F'), R('G'), R('H'), R('I'), \
	R('J'), R('K'), R('L'), R('M'), R('N'), R('O'), R('P'), R('Q'), R('R'), R('S'), \
	R('T'), R('U'), R('V'), R('W'), R('X'), R('Y'), R('Z')
#define LOWER R('a'), R('b'), R('c'), R('d'), R('e'), R('f'), R('g'), R('h'), R('i'), \
	R('j'), R('k'), R('l'), R('m'), R('n'), R('o'), R('p'), R('q'), R('r'), R('s'), \
	R('t'), R('u'), R('v'), R('w'), R('x'), R('y'), R('z')

const bool	lottrace_cset82_table[256] = {
	DIGITS, UPPER, LOWER,
	R('!'), R('"'), R('%'), R('&'), R('\''), R('('), R(')'), R('*'), R('+'),
	R(','), R('-'), R('.'), R('/'), R(':'), R(';'), R('<'), R('='), R('>'),
	R('?'), R('_')
};

const bool	lottrace_cset39_table[256] = {
	DIGITS, UPPER, R('#'), R('-'), R('/')
};

char *
lottrace_describe_char(const char *p, const char *end)
{
	unsigned char c = (unsigned char) *p;

	if (c > ' ' && c < 0x7f)
		return psprintf("\"%c\"", c);
	if (c < 0x80)
		return psprintf("U+%04X", c);

	/*
	 * A non-ASCII character: name its code point when we can decode it, the
	 * raw byte otherwise (SQL_ASCII databases accept any byte).
	 */
	if (GetDatabaseEncoding() == PG_UTF8 &&
		pg_utf_mblen((const unsigned char *) p) <= end - p)
		return psprintf("U+%04X", utf8_to_unicode((const unsigned char *) p));
	return psprintf("byte 0x%02X", c);
}

int
lottrace_char_position(const char *start, const char *p)
{
	return pg_mbstrlen_with_len(start, p - start) + 1;
}
