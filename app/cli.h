/* cli.h: the tcpqsim command line.
 *
 * cli_main parses argv and runs one command (run, profiles, ...).  It returns
 * the exit status: 0 success, 1 a failure while running, 2 bad input or
 * misuse.  Tests call it directly.
 */
#ifndef TCPQSIM_CLI_H
#define TCPQSIM_CLI_H

int cli_main(int argc, char **argv);

#endif
