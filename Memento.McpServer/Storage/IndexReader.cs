using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Memento.McpServer.Search;
using Microsoft.Data.Sqlite;

namespace Memento.McpServer.Storage;

/// <summary>What the index knows of a memory's file: its stamp (last write ticks, length) and its content hash.</summary>
internal readonly record struct IndexedFile((long Ticks, long Length) Stamp, string Hash);

/// <summary>
/// The queries of one user's index over one SQLite connection. <see cref="MemoryIndex"/> is one (the
/// connection that writes); it lends others, read-only, so that searches run side by side.
/// </summary>
internal class IndexReader(SqliteConnection connection)
{
    protected SqliteConnection Connection { get; } = connection;

    public int Count => Convert.ToInt32(Scalar(Connection, "SELECT count(*) FROM memories"), CultureInfo.InvariantCulture);

    /// <summary>File stamps (last write ticks and length) and content hashes of every indexed memory, to find what changed on disk.</summary>
    public Dictionary<string, IndexedFile> FileStamps()
    {
        var result = new Dictionary<string, IndexedFile>(StringComparer.Ordinal);
        using var command = Connection.CreateCommand();
        command.CommandText = "SELECT id, file_ticks, file_length, hash FROM memories";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result[reader.GetString(0)] = new IndexedFile((reader.GetInt64(1), reader.GetInt64(2)), reader.GetString(3));
        }

        return result;
    }

    public (long Ticks, long Length)? FileStamp(string id)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = "SELECT file_ticks, file_length FROM memories WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    /// <summary>Ids holding exactly this content hash, oldest id first.</summary>
    public List<string> IdsWithHash(string hash)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = "SELECT id FROM memories WHERE hash = $hash ORDER BY id";
        command.Parameters.AddWithValue("$hash", hash);
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public Page<MemorySummary> List(ListQuery query)
    {
        var after = ListCursor.Parse(query.Cursor);
        using var command = Connection.CreateCommand();
        var sql = new StringBuilder($"SELECT {SummaryColumns} FROM memories m WHERE 1=1");
        AddFilters(command, sql, query.Tags, query.TagMatch, query.Since, query.Until);
        if (after is { } position)
        {
            sql.Append(" AND (m.created < $ac OR (m.created = $ac AND m.id < $aid))");
            command.Parameters.AddWithValue("$ac", position.CreatedMs);
            command.Parameters.AddWithValue("$aid", position.Id);
        }

        sql.Append(" ORDER BY m.created DESC, m.id DESC LIMIT $limit");
        command.Parameters.AddWithValue("$limit", query.Limit + 1);
        command.CommandText = sql.ToString();
        var items = new List<MemorySummary>();
        var createdMs = new List<long>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                items.Add(ReadSummary(reader));
                createdMs.Add(reader.GetInt64(3));
            }
        }

        if (items.Count <= query.Limit)
        {
            return new Page<MemorySummary>(items, null);
        }

        items.RemoveAt(items.Count - 1);
        return new Page<MemorySummary>(items, ListCursor.For(createdMs[query.Limit - 1], items[^1].Id));
    }

    /// <summary>
    /// BM25 hits (best first; equal scores the last indexed first, which is the newest: a scan indexes files
    /// in id order, and ids follow creation time) for a MATCH expression, skipping
    /// <paramref name="offset"/> and taking <paramref name="take"/>; <paramref name="terms"/> are marked in the snippets.
    /// </summary>
    public List<SearchHit> Search(string match, IReadOnlyList<string> terms, SearchQuery query, int offset, int take)
    {
        // Rank first, over the full-text table alone when nothing filters on the memories table (a join
        // costs a lookup per matching row), then read the page's rows and build their snippets.
        var ranked = new List<(long RowId, double Rank)>(take);
        using (var command = Connection.CreateCommand())
        {
            var filtered = query.Tags is { Count: > 0 } || query.Since is not null || query.Until is not null;
            var sql = new StringBuilder(filtered
                ? "SELECT fts.rowid, bm25(fts, 8.0, 4.0, 1.0) AS score FROM fts JOIN memories m ON m.rowid = fts.rowid WHERE fts MATCH $match"
                : "SELECT fts.rowid, bm25(fts, 8.0, 4.0, 1.0) AS score FROM fts WHERE fts MATCH $match");
            command.Parameters.AddWithValue("$match", match);
            if (filtered)
            {
                AddFilters(command, sql, query.Tags, query.TagMatch, query.Since, query.Until);
            }

            sql.Append(" ORDER BY score, fts.rowid DESC LIMIT $take OFFSET $offset");
            command.Parameters.AddWithValue("$take", take);
            command.Parameters.AddWithValue("$offset", offset);
            command.CommandText = sql.ToString();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                ranked.Add((reader.GetInt64(0), reader.GetDouble(1)));
            }
        }

        if (ranked.Count == 0)
        {
            return [];
        }

        var details = new Dictionary<long, (MemorySummary Summary, string Snippet)>(ranked.Count);
        using (var command = Connection.CreateCommand())
        {
            var ids = string.Join(',', ranked.Select(r => r.RowId.ToString(CultureInfo.InvariantCulture)));
            command.CommandText = $"""
                SELECT {SummaryColumns}, fts.content, m.rowid
                FROM memories m JOIN fts ON fts.rowid = m.rowid
                WHERE m.rowid IN ({ids})
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var summary = ReadSummary(reader);
                details[reader.GetInt64(8)] = (summary, Snippets.Build(summary.Title, reader.GetString(7), terms));
            }
        }

        return [.. ranked.Where(r => details.ContainsKey(r.RowId)).Select(r => new SearchHit(details[r.RowId].Summary, -r.Rank, details[r.RowId].Snippet))];
    }

    /// <summary>The ids of the memories that pass the query's tag and time filters.</summary>
    public HashSet<string> IdsMatching(SearchQuery query)
    {
        using var command = Connection.CreateCommand();
        var sql = new StringBuilder("SELECT m.id FROM memories m WHERE 1=1");
        AddFilters(command, sql, query.Tags, query.TagMatch, query.Since, query.Until);
        command.CommandText = sql.ToString();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>The summaries of the given memories that are in the index, by id.</summary>
    public Dictionary<string, MemorySummary> Summaries(IEnumerable<string> ids)
    {
        var wanted = ids.ToList();
        var found = new Dictionary<string, MemorySummary>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return found;
        }

        using var command = Connection.CreateCommand();
        var names = new List<string>();
        for (var i = 0; i < wanted.Count; i++)
        {
            names.Add("$id" + i.ToString(CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue(names[^1], wanted[i]);
        }

        command.CommandText = $"SELECT {SummaryColumns} FROM memories m WHERE m.id IN ({string.Join(',', names)})";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var summary = ReadSummary(reader);
            found[summary.Id] = summary;
        }

        return found;
    }

    public (int Count, long Bytes, DateTimeOffset? Oldest, DateTimeOffset? Newest, Dictionary<string, int> Tags) Stats()
    {
        using var command = Connection.CreateCommand();
        command.CommandText = "SELECT count(*), coalesce(sum(bytes), 0), min(created), max(created) FROM memories";
        int count;
        long bytes;
        DateTimeOffset? oldest = null, newest = null;
        using (var reader = command.ExecuteReader())
        {
            reader.Read();
            count = reader.GetInt32(0);
            bytes = reader.GetInt64(1);
            if (!reader.IsDBNull(2))
            {
                oldest = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2));
                newest = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3));
            }
        }

        command.CommandText = "SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY tag";
        var tags = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                tags[reader.GetString(0)] = reader.GetInt32(1);
            }
        }

        return (count, bytes, oldest, newest, tags);
    }

    private const string SummaryColumns = "m.id, m.title, m.tags, m.created, m.updated, m.length, m.preview";

    private static MemorySummary ReadSummary(SqliteDataReader reader)
    {
        var tags = reader.GetString(2);
        return new MemorySummary(
            reader.GetString(0),
            reader.GetString(1),
            tags.Length == 0 ? [] : tags.Split('\n'),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
            reader.GetInt32(5),
            reader.GetString(6));
    }

    private static void AddFilters(SqliteCommand command, StringBuilder sql, IReadOnlyList<string>? tags, TagMatch match, DateTimeOffset? since, DateTimeOffset? until)
    {
        if (since is { } s)
        {
            sql.Append(" AND m.created >= $since");
            command.Parameters.AddWithValue("$since", s.ToUnixTimeMilliseconds());
        }

        if (until is { } u)
        {
            sql.Append(" AND m.created < $until");
            command.Parameters.AddWithValue("$until", u.ToUnixTimeMilliseconds());
        }

        var wanted = tags?.Select(t => t.Trim().ToLowerInvariant()).Where(t => t.Length > 0).Distinct().ToList() ?? [];
        if (wanted.Count == 0)
        {
            return;
        }

        var names = new List<string>();
        for (var i = 0; i < wanted.Count; i++)
        {
            names.Add("$tag" + i.ToString(CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue(names[^1], wanted[i]);
        }

        sql.Append(" AND m.rowid IN (SELECT mem FROM tags WHERE tag IN (").Append(string.Join(',', names)).Append(')');
        if (match == TagMatch.All)
        {
            sql.Append(" GROUP BY mem HAVING count(*) = ").Append(wanted.Count.ToString(CultureInfo.InvariantCulture));
        }

        sql.Append(')');
    }

    protected static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
