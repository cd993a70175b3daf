/* hist.h: streaming histograms of non-negative 64-bit values.
 *
 * struct hist is a log-linear histogram in the spirit of HdrHistogram: values
 * below 512 have a bucket each; above, every power of two is split into 256
 * buckets, so a bucket is at most 1/256 of its lower edge wide.  Each bucket
 * also keeps the sum of its values and a quantile is reported as the mean of
 * its bucket: within 0.4% of the exact one, and exact when the bucket holds
 * one distinct value (the spikes at retransmit instants).  Its memory is fixed
 * (about 232 KiB) whatever the number of values.  struct fixed_hist
 * counts values in bins of a fixed width, for plotting; it grows with the
 * largest value, never with the count.
 */
#ifndef TCPQSIM_HIST_H
#define TCPQSIM_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 8
#define HIST_BUCKETS ((64 - HIST_SUB_BITS) * (1 << HIST_SUB_BITS) + (1 << (HIST_SUB_BITS + 1)))

struct hist {
	uint64_t count;  /* values recorded */
	int64_t min;     /* smallest value, INT64_MAX when empty */
	int64_t max;     /* largest value, 0 when empty */
	double sum;      /* sum of the values (for the mean) */
	uint64_t *buckets; /* HIST_BUCKETS counters, owned */
	double *sums;      /* HIST_BUCKETS sums of the values counted, owned */
};

/* hist_init: an empty histogram.  Returns 0, or -1 when out of memory. */
int hist_init(struct hist *h);
void hist_fini(struct hist *h);
void hist_reset(struct hist *h);

/* hist_record: count value v (negative values count as 0). */
void hist_record(struct hist *h, int64_t v);

/* hist_merge: add every value of src into dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/* hist_quantile: the value of rank ceil(q * count) (q in [0, 1]), within
 * 0.4% relative (the mean of the values in its bucket); exact min and max at
 * the ends; 0 when empty. */
int64_t hist_quantile(const struct hist *h, double q);

static inline double hist_mean(const struct hist *h)
{
	return h->count ? h->sum / (double)h->count : 0;
}

/* hist_bucket_of / hist_bucket_low / hist_bucket_high: the bucket of a value
 * and the values [low, high] it covers (for tests). */
size_t hist_bucket_of(int64_t v);
int64_t hist_bucket_low(size_t b);
int64_t hist_bucket_high(size_t b);

struct fixed_hist {
	int64_t bin_width; /* width of a bin, in the values' unit */
	uint64_t *bins;    /* bins[i] counts values in [i*w, (i+1)*w), owned */
	size_t n_bins;     /* bins allocated */
	size_t max_bins;   /* ceiling; values beyond go to the last bin */
};

/* fixed_hist_init: an empty histogram of bins of width w (> 0), at most
 * max_bins bins.  Returns 0. */
int fixed_hist_init(struct fixed_hist *f, int64_t w, size_t max_bins);
void fixed_hist_fini(struct fixed_hist *f);

/* fixed_hist_record: count v.  Returns 0, -1 when out of memory. */
int fixed_hist_record(struct fixed_hist *f, int64_t v);

/* fixed_hist_merge: add src into dst (same bin width).  Returns 0 or -1. */
int fixed_hist_merge(struct fixed_hist *dst, const struct fixed_hist *src);

#endif
