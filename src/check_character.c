/*
 * check_character.c
 *	  GS1 mod-10 check digits and ISO/IEC 7064 MOD 37-36 check characters.
 */
#include "postgres.h"

#include "charset.h"
#include "check_character.h"

char
gs1_mod10_check_digit(const char *s, int len)
{
	int			sum = 0;
	int			weight = 3;

	for (int i = len - 1; i >= 0; i--)
	{
		if (!is_ascii_digit((unsigned char) s[i]))
			continue;
		sum += (s[i] - '0') * weight;
		weight = 4 - weight;
	}
	return '0' + (10 - sum % 10) % 10;
}

/* Value of an alphanumeric in the 36-character alphabet 0-9 A-Z, or -1. */
static int
mod37_36_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	return -1;
}

/*
 * The hybrid system of ISO/IEC 7064 with M = 36: the running product P starts
 * at M, each character adds its value modulo M (0 read as M), then doubles
 * modulo M + 1.  The check character is the one that brings the final sum to
 * 1 modulo M.
 */
char
lottrace_iso7064_mod37_36_check_character(const char *s, int len)
{
	const int	m = 36;
	int			product = m;
	int			check;

	for (int i = 0; i < len; i++)
	{
		int			value = mod37_36_value((unsigned char) s[i]);
		int			sum;

		if (value < 0)
			continue;
		sum = (product + value) % m;
		if (sum == 0)
			sum = m;
		product = (sum * 2) % (m + 1);
	}
	check = (m + 1 - product) % m;
	return check < 10 ? '0' + check : 'A' + check - 10;
}
