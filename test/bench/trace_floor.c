/*
 * trace_floor.c
 *	  The floor for the trace benchmark: breadth-first search over the whole
 *	  genealogy held in memory as compressed adjacency arrays, with nothing
 *	  else to do (no snapshot, no visibility, no result rows).
 *
 *	  trace_floor EDGES QUERIES
 *
 * EDGES: "parent<TAB>child" lines (COPY of lottrace.links); lot ids must be
 * non-negative and dense enough to index arrays (identity columns are).
 * QUERIES: "name<TAB>forward|backward<TAB>id,id,..." lines, distinct roots.
 * Prints "name<TAB>lots reached<TAB>median milliseconds of 7 runs" per query.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct Graph
{
	uint32_t	nodes;			/* ids are 0 .. nodes - 1 */
	uint64_t   *offsets;		/* nodes + 1 */
	uint32_t   *targets;
} Graph;

static void *
xmalloc(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (p == NULL)
	{
		fprintf(stderr, "trace_floor: out of memory\n");
		exit(1);
	}
	return p;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;

	if (f == NULL)
	{
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	*len = (size_t) ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc(*len + 1);
	if (fread(buf, 1, *len, f) != *len)
	{
		perror(path);
		exit(1);
	}
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static uint64_t
parse_id(char **p)
{
	uint64_t	v = 0;

	while (**p >= '0' && **p <= '9')
		v = v * 10 + (uint64_t) (*(*p)++ - '0');
	return v;
}

static void
build(Graph *g, const uint32_t *from, const uint32_t *to, size_t nedges, uint32_t nodes)
{
	uint64_t   *fill = xmalloc(sizeof(uint64_t) * nodes);

	g->nodes = nodes;
	g->offsets = calloc((size_t) nodes + 1, sizeof(uint64_t));
	g->targets = xmalloc(sizeof(uint32_t) * nedges);
	for (size_t i = 0; i < nedges; i++)
		g->offsets[from[i] + 1]++;
	for (uint32_t v = 0; v < nodes; v++)
		g->offsets[v + 1] += g->offsets[v];
	memcpy(fill, g->offsets, sizeof(uint64_t) * nodes);
	for (size_t i = 0; i < nedges; i++)
		g->targets[fill[from[i]]++] = to[i];
	free(fill);
}

/* level by level, as the engine does; returns the number of lots reached */
static uint64_t
bfs(const Graph *g, const uint32_t *roots, size_t nroots, uint8_t *visited,
	uint32_t *frontier, uint32_t *next)
{
	size_t		nfrontier = 0;
	uint64_t	reached = 0;

	memset(visited, 0, (g->nodes + 7) / 8);
	for (size_t i = 0; i < nroots; i++)
	{
		uint32_t	r = roots[i];

		/* a root above every linked lot has no links, but counts */
		if (r >= g->nodes)
			reached++;
		else if (!(visited[r >> 3] & (1 << (r & 7))))
		{
			visited[r >> 3] |= (uint8_t) (1 << (r & 7));
			frontier[nfrontier++] = r;
		}
	}
	reached += nfrontier;
	while (nfrontier > 0)
	{
		size_t		nnext = 0;
		uint32_t   *swap;

		for (size_t i = 0; i < nfrontier; i++)
		{
			uint32_t	u = frontier[i];

			for (uint64_t e = g->offsets[u]; e < g->offsets[u + 1]; e++)
			{
				uint32_t	v = g->targets[e];

				if (!(visited[v >> 3] & (1 << (v & 7))))
				{
					visited[v >> 3] |= (uint8_t) (1 << (v & 7));
					next[nnext++] = v;
				}
			}
		}
		reached += nnext;
		swap = frontier;
		frontier = next;
		next = swap;
		nfrontier = nnext;
	}
	return reached;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	size_t		len;
	char	   *text;
	char	   *p;
	size_t		nedges = 0;
	size_t		maxedges;
	uint32_t   *parents;
	uint32_t   *children;
	uint64_t	maxid = 0;
	Graph		down;
	Graph		up;
	uint8_t    *visited;
	uint32_t   *frontier;
	uint32_t   *next;
	double		load_start = now_ms();

	if (argc != 3)
	{
		fprintf(stderr, "usage: trace_floor EDGES QUERIES\n");
		return 2;
	}

	text = read_file(argv[1], &len);
	maxedges = len / 4 + 1;
	parents = xmalloc(sizeof(uint32_t) * maxedges);
	children = xmalloc(sizeof(uint32_t) * maxedges);
	for (p = text; *p;)
	{
		uint64_t	a = parse_id(&p);
		uint64_t	b;

		if (*p++ != '\t')
			break;
		b = parse_id(&p);
		if (*p == '\n')
			p++;
		if (a > UINT32_MAX - 1 || b > UINT32_MAX - 1)
		{
			fprintf(stderr, "trace_floor: lot ids must be below 2^32\n");
			return 1;
		}
		parents[nedges] = (uint32_t) a;
		children[nedges] = (uint32_t) b;
		nedges++;
		if (a > maxid)
			maxid = a;
		if (b > maxid)
			maxid = b;
	}
	free(text);
	build(&down, parents, children, nedges, (uint32_t) maxid + 1);
	build(&up, children, parents, nedges, (uint32_t) maxid + 1);
	free(parents);
	free(children);
	fprintf(stderr, "trace_floor: %zu links loaded and indexed in %.0f ms\n", nedges, now_ms() - load_start);

	visited = xmalloc(((size_t) maxid + 8) / 8);
	frontier = xmalloc(sizeof(uint32_t) * ((size_t) maxid + 1));
	next = xmalloc(sizeof(uint32_t) * ((size_t) maxid + 1));

	text = read_file(argv[2], &len);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
	{
		char	   *name = line;
		char	   *direction = strchr(name, '\t');
		char	   *list;
		uint32_t   *roots;
		size_t		nroots = 0;
		double		times[7];
		uint64_t	reached = 0;

		if (direction == NULL || (list = strchr(direction + 1, '\t')) == NULL)
			continue;
		*direction++ = '\0';
		*list++ = '\0';
		roots = xmalloc(sizeof(uint32_t) * (strlen(list) / 2 + 1));
		for (p = list; *p;)
		{
			roots[nroots++] = (uint32_t) parse_id(&p);
			if (*p == ',')
				p++;
			else
				break;
		}
		for (int run = 0; run < 7; run++)
		{
			double		start = now_ms();

			reached = bfs(strcmp(direction, "backward") == 0 ? &up : &down,
						  roots, nroots, visited, frontier, next);
			times[run] = now_ms() - start;
		}
		qsort(times, 7, sizeof(double), cmp_double);
		printf("%s\t%llu\t%.4f\n", name, (unsigned long long) reached, times[3]);
		free(roots);
	}
	return 0;
}
