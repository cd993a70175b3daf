/* tcpqsim_web.h: the entry points web/engine.js calls (tcpqsim_web.c). */
#ifndef TCPQSIM_WEB_H
#define TCPQSIM_WEB_H

const char *web_load(const char *path, const char *sets_text);
const char *web_warnings(void);
const char *web_info(void);
const char *web_report(void);
const char *web_run(const char *dir);
const double *web_attempts(void);
double web_attempt_count(void);
const char *web_story(double id);
const char *web_ss(double t_s, double accept_queue, double client_syn_sent, double client_established);

#endif
