/* plot.h: the figures of "tcpqsim plot" (app/cmd/cmd_plot.c parses the
 * arguments).
 *
 *   gnuplot.c   finding gnuplot and the scripts of plots/, running one
 *               script per figure (posix_spawn, never a shell), gnuplot
 *               variables (-e "name=value; ...")
 *   facts.c     a run's facts: summary.json, and what its resolved scenario
 *               says through the models (SYN retransmit instants, queue
 *               limits, stall windows)
 *   run.c       a run's figures: connect_hist, queues, outcomes
 *   profiles.c  runs under several kernel profiles side by side
 *   sweep.c     a sweep's results.csv: metric against parameter, heat maps
 *
 * Each figure is written to a temporary name and renamed when gnuplot
 * succeeds, so a figure is either whole or absent.  Program layer.
 */
#ifndef TCPQSIM_PLOT_H
#define TCPQSIM_PLOT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "app/util/strbuf.h"

#define PLOT_MAX_MARKS 64      /* SYN retransmit instants drawn */
#define PLOT_MAX_STALLS 500    /* stall windows shaded */
#define PLOT_MAX_PROFILES 12   /* runs side by side */
#define PLOT_INSTALL_HINT "apt-get install -y gnuplot-nox"

/* ---- gnuplot.c ---- */

struct plot_env {
	char gnuplot[PATH_MAX]; /* the gnuplot executable */
	char scripts[PATH_MAX]; /* folder of the .gp files */
	bool quiet;             /* no "wrote" lines */
	int failures;           /* figures gnuplot failed to draw */
};

/* gnuplot variables: name=value; ... (strings single-quoted, quotes doubled) */
void gv_num(struct strbuf *b, const char *name, double v);
void gv_str(struct strbuf *b, const char *name, const char *s);
void gv_strf(struct strbuf *b, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

bool is_file(const char *path);
bool is_dir(const char *path);
bool path_join(char *out, size_t n, const char *dir, const char *name);
bool find_gnuplot(char *out, size_t n);
bool find_scripts(char *out, size_t n);
int plot_draw(struct plot_env *env, const char *script, const char *vars, const char *out, const char *term);
void plot_figure(struct plot_env *env, const char *script, const struct strbuf *vars, const char *dir,
                 const char *base);

/* ---- facts.c ---- */

struct run_facts {
	char dir[PATH_MAX];      /* the run's folder */
	char name[128];          /* scenario name */
	char server_kernel[64];  /* server profile */
	char client_kernel[64];  /* first population's profile */
	long backlog;            /* the listen() argument */
	int n_backlog;           /* effective backlog N; -1 when unknown */
	double attempts;         /* counted attempts */
	double connected;        /* attempts whose connect() returned */
	double timed_out;        /* outcomes.timed_out */
	double connect_timeout;  /* outcomes.connect_timeout */
	double bin_ms;           /* histogram bin width, ms */
	double duration_s;       /* arrivals last this long, s */
	double simulated_s;      /* the run ended at, s */
	long nbins;              /* data lines of connect_hist.tsv; -1 without the file */
	bool has_series;         /* series.tsv exists */
	bool has_scenario;       /* the scenario loaded: the fields below are known */
	int syn_retries;         /* first population's tcp_syn_retries */
	int n_pops;              /* connecting populations (floods left out) */
	double marks[PLOT_MAX_MARKS]; /* SYN retransmit instants, s after the first SYN */
	int n_marks;
	bool marks_mixed;        /* the populations' schedules differ: marks is their union */
	double giveup_s;         /* ETIMEDOUT instant, s; NaN when unknown or mixed */
	double appto_s;          /* application connect timeout, s; NaN when none or mixed */
	double aq_limit;         /* most the accept queues hold, all listeners */
	double sq_limit;         /* most the SYN queues hold, all listeners */
	char sq_rule[64];        /* when the SYN queue is full, in words */
	struct strbuf stalls;    /* "start end start end ..." in s */
};

/* run_facts_read: summary.json and the files of a run's folder.  Returns 0,
 * 2 for a folder with nothing to plot or a summary that cannot be read (one
 * line printed). */
int run_facts_read(struct run_facts *f, const char *dir);
void run_facts_fini(struct run_facts *f);
/* the marks as gnuplot words, and their labels when schedules were mixed */
void vars_marks(struct strbuf *v, const struct run_facts *f, const char *suffix);

/* ---- run.c, profiles.c, sweep.c ---- */

struct plot_opts {
	const char *dir;       /* DIR */
	const char *profiles;  /* --profiles A,B,... */
	const char *param;     /* --param */
	const char *by;        /* --by ("none": no second parameter) */
	const char *metrics;   /* --metric M[,M...] */
	bool quiet;            /* -q */
	double target;         /* --target: the SLO line (metric's unit; connect_hist: ms); NAN for none */
	bool logy;             /* --logy: a logarithmic y axis (sweep figures, connect_hist's CDF is left linear) */
};

void plot_run(struct plot_env *env, const struct run_facts *f, const struct plot_opts *o);
int plot_profiles(struct plot_env *env, const char *list, const char *out_dir);
int plot_sweep(struct plot_env *env, const char *dir, const struct plot_opts *o);

#endif
