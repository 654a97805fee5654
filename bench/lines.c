/*
 * Writes COUNT short lines to stdout through stdio, as a chatty program
 * logs: the workload of the -L throughput benchmark.
 *
 *   lines [COUNT]      (default 1000000)
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000000;

	for (long i = 0; i < count; i++)
		printf("log line %ld\n", i);
	return 0;
}
