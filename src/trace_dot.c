/*
 * trace_dot.c
 *	  trace_dot: the traced subgraph as Graphviz DOT, for drawing.
 *
 * Nodes are the lots reached, labelled with item, code and status and
 * coloured by status; the roots get a heavy border.  Edges are the links of
 * trace_edges; kinds other than "consume" are named on the edge, and rework
 * is dashed.  Nodes come in id order and edges in link id order, so the
 * same genealogy always gives the same text.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"

#include "compat.h"
#include "lotset.h"
#include "trace.h"

PG_FUNCTION_INFO_V1(trace_dot);

typedef struct DotEdge
{
	int64		link_id;
	int64		parent;
	int64		child;
	Oid			kind;
} DotEdge;

typedef struct DotGraph
{
	LotSet	   *nodes;			/* walked in id order for the output */
	int64		nnodes;
	DotEdge    *edges;
	int64		nedges;
	int64		maxedges;
} DotGraph;

static void
add_lots(void *arg, TraceSide *side)
{
	DotGraph   *graph = (DotGraph *) arg;
	TracePiece	piece;

	while (lottrace_trace_side_frontier_next(side, false, &piece))
	{
		CHECK_FOR_INTERRUPTS();
		TRACE_PIECE_FOREACH(&piece, i, bits, rank)
		{
			if (lotset_add(graph->nodes, TRACE_PIECE_LOT(&piece, i, bits)))
				graph->nnodes++;
		}
	}
}

/* a lot of a time-respecting trace */
static void
add_lot(void *arg, int64 lot, int32 depth pg_attribute_unused(), int64 via pg_attribute_unused())
{
	DotGraph   *graph = (DotGraph *) arg;

	if (lotset_add(graph->nodes, lot))
		graph->nnodes++;
}

static void
add_link(void *arg, const GenealogyLink *link, TraceDirection direction, int32 depth pg_attribute_unused())
{
	DotGraph   *graph = (DotGraph *) arg;
	DotEdge    *edge;

	if (graph->nedges == graph->maxedges)
	{
		graph->maxedges *= 2;
		graph->edges = repalloc_huge(graph->edges, graph->maxedges * sizeof(DotEdge));
	}
	edge = &graph->edges[graph->nedges++];
	edge->link_id = link->link_id;
	edge->parent = direction == TRACE_FORWARD ? link->near : link->far;
	edge->child = direction == TRACE_FORWARD ? link->far : link->near;
	edge->kind = link->kind;
}

static int
edge_cmp(const void *a, const void *b)
{
	int64		x = ((const DotEdge *) a)->link_id;
	int64		y = ((const DotEdge *) b)->link_id;

	return (x > y) - (x < y);
}

/* a DOT double-quoted string */
static void
append_quoted(StringInfo buf, const char *s)
{
	appendStringInfoChar(buf, '"');
	for (; *s; s++)
	{
		if (*s == '"' || *s == '\\')
			appendStringInfoChar(buf, '\\');
		if (*s == '\n')
			appendStringInfoString(buf, "\\n");
		else if (*s != '\r')
			appendStringInfoChar(buf, *s);
	}
	appendStringInfoChar(buf, '"');
}

static const char *
status_color(const char *status)
{
	static const char *const colors[][2] = {
		{"quarantine", "#ffe0b2"},
		{"released", "#c8e6c9"},
		{"hold", "#fff59d"},
		{"recalled", "#ef9a9a"},
		{"consumed", "#e0e0e0"},
		{"disposed", "#b0bec5"},
	};

	for (size_t i = 0; i < lengthof(colors); i++)
		if (strcmp(status, colors[i][0]) == 0)
			return colors[i][1];
	return "#ffffff";
}

/*
 * One node statement per lot, labels read with one query (under the
 * caller's privileges and policies, like any SELECT of lots).
 */
static void
append_nodes(StringInfo buf, DotGraph *graph, LotSet *roots)
{
	int64	   *nodes = palloc_extended(Max(graph->nnodes, 1) * sizeof(int64), MCXT_ALLOC_HUGE);
	Datum	   *elems = palloc_extended(Max(graph->nnodes, 1) * sizeof(Datum), MCXT_ALLOC_HUGE);
	Datum		arg;
	Oid			argtype = INT8ARRAYOID;
	MemoryContext cxt = CurrentMemoryContext;
	int64		row = 0;
	SPITupleTable *table;
	uint64		nrows;
	LotSetWalk	walk;

	/* the set hands its lots out in id order */
	lottrace_lotset_walk_begin(graph->nodes, &walk, PG_INT64_MIN);
	if (lottrace_lotset_walk_ids(&walk, nodes, graph->nnodes) != graph->nnodes)
		elog(ERROR, "lots of the graph miscounted");
	lottrace_lotset_walk_end(&walk);
	for (int64 i = 0; i < graph->nnodes; i++)
		elems[i] = Int64GetDatum(nodes[i]);
	arg = PointerGetDatum(construct_array(elems, (int) graph->nnodes, INT8OID, sizeof(int64),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * The ids are those passed, as int8, whatever the type of lots.id (an
	 * altered definition: see genealogy_shape.c).
	 */
	if (SPI_execute_with_args("SELECT k.id, l.item, l.code::pg_catalog.text, l.status::pg_catalog.text "
							  "FROM pg_catalog.unnest($1) AS k(id) JOIN lottrace.lots l "
							  "ON l.id OPERATOR(pg_catalog.=) k.id ORDER BY k.id",
							  1, &argtype, &arg, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read lots");
	table = SPI_tuptable;
	nrows = SPI_processed;
	MemoryContextSwitchTo(cxt);

	for (int64 i = 0; i < graph->nnodes; i++)
	{
		int64		id = nodes[i];
		bool		isnull;
		StringInfoData label;
		const char *status = "";

		CHECK_FOR_INTERRUPTS();
		initStringInfo(&label);
		while ((uint64) row < nrows &&
			   DatumGetInt64(SPI_getbinval(table->vals[row], table->tupdesc, 1, &isnull)) < id)
			row++;
		if ((uint64) row < nrows &&
			DatumGetInt64(SPI_getbinval(table->vals[row], table->tupdesc, 1, &isnull)) == id)
		{
			status = SPI_getvalue(table->vals[row], table->tupdesc, 4);
			appendStringInfo(&label, "%s\n%s\n%s",
							 SPI_getvalue(table->vals[row], table->tupdesc, 2),
							 SPI_getvalue(table->vals[row], table->tupdesc, 3),
							 status);
		}
		else
			appendStringInfo(&label, "lot %lld", (long long) id);

		appendStringInfo(buf, "\tn%lld [label=", (long long) id);
		append_quoted(buf, label.data);
		appendStringInfo(buf, ", fillcolor=\"%s\"", status_color(status));
		if (lotset_contains(roots, id))
			appendStringInfoString(buf, ", penwidth=3, color=\"#0d47a1\"");
		appendStringInfoString(buf, "];\n");
		pfree(label.data);
	}
	SPI_finish();
}

/* trace_dot(roots bigint[], direction text, max_depth int, respect_time boolean) */
Datum
trace_dot(PG_FUNCTION_ARGS)
{
	int64		nroots;
	LotSet	   *roots = lottrace_trace_roots_arg(fcinfo, 0, &nroots);
	TraceWay	way = lottrace_trace_direction_arg(fcinfo, 1);
	int32		max_depth = lottrace_trace_max_depth_arg(fcinfo, 2);
	bool		respect_time = lottrace_trace_respect_time_arg(fcinfo, 3);
	GenealogyStore *store;
	DotGraph	graph;
	StringInfoData buf;
	int64		reached;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "lottrace dot",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	text	   *result;

	graph.nodes = lotset_create_in(cxt, 1024);
	graph.nnodes = 0;
	graph.maxedges = 64;
	graph.edges = palloc(graph.maxedges * sizeof(DotEdge));
	graph.nedges = 0;

	store = lottrace_genealogy_open("trace_dot", true, way);
	lottrace_genealogy_stats_begin(store, nroots);
	lottrace_genealogy_check_lots_exist(store, roots);
	if (respect_time)
	{
		lottrace_genealogy_read_times(store);
		reached = lottrace_trace_time_walk(store, way, roots, nroots, max_depth, add_link, add_lot, &graph);
	}
	else
		reached = lottrace_trace_walk(store, way, roots, nroots, max_depth, add_link, add_lots, &graph);
	lottrace_genealogy_stats_end(store, reached);
	lottrace_genealogy_close(store);

	qsort(graph.edges, graph.nedges, sizeof(DotEdge), edge_cmp);

	initStringInfo(&buf);
	appendStringInfoString(&buf,
						   "digraph lottrace {\n"
						   "\trankdir=LR;\n"
						   "\tnode [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n"
						   "\tedge [fontname=\"Helvetica\", fontsize=9, color=\"#546e7a\"];\n");
	append_nodes(&buf, &graph, roots);
	for (int64 i = 0; i < graph.nedges; i++)
	{
		DotEdge    *edge = &graph.edges[i];
		const char *kind = OidIsValid(edge->kind) ?
			DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(edge->kind))) : "consume";

		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&buf, "\tn%lld -> n%lld", (long long) edge->parent, (long long) edge->child);
		if (strcmp(kind, "consume") != 0)
		{
			appendStringInfo(&buf, " [label=\"%s\"", kind);
			if (strcmp(kind, "rework") == 0)
				appendStringInfoString(&buf, ", style=dashed");
			appendStringInfoChar(&buf, ']');
		}
		appendStringInfoString(&buf, ";\n");
	}
	appendStringInfoString(&buf, "}\n");

	MemoryContextSwitchTo(old);
	result = cstring_to_text_with_len(buf.data, buf.len);
	MemoryContextDelete(cxt);
	PG_RETURN_TEXT_P(result);
}
