/*
 * check_character.h
 *	  Check digits and check characters used by GS1 keys and lot templates.
 */
#ifndef LOTTRACE_CHECK_CHARACTER_H
#define LOTTRACE_CHECK_CHARACTER_H

/*
 * GS1 mod-10 check digit over the decimal digits of "s" (other characters
 * are skipped): weights 3, 1, 3, … from the right.  Returns '0'…'9'.
 */
extern char gs1_mod10_check_digit(const char *s, int len);

/*
 * ISO/IEC 7064 MOD 37-36 check character over the letters and digits of "s"
 * (other characters are skipped; letters count without regard to case).
 * Returns '0'…'9' or 'A'…'Z'.
 */
extern char lottrace_iso7064_mod37_36_check_character(const char *s, int len);

#endif							/* LOTTRACE_CHECK_CHARACTER_H */
