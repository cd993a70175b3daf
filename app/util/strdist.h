/* strdist.h: how far apart two short strings are, for "did you mean" hints.
 *
 * Engine utility: no TCP, no JSON.  The Levenshtein distance (insertions,
 * deletions, substitutions) of strings up to 63 bytes.
 */
#ifndef TCPQSIM_STRDIST_H
#define TCPQSIM_STRDIST_H

#include <stddef.h>

/* strdist: the edit distance of a and b; 99 when either is longer than 63
 * bytes (too long to be a typo of a name). */
size_t strdist(const char *a, const char *b);

#endif
