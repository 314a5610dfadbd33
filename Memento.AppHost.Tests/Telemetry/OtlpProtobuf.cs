using System.Globalization;
using Google.Protobuf;

namespace Memento.AppHost.Tests.Telemetry;

/// <summary>OpenTelemetry span kinds, numbered as in OTLP's <c>Span.SpanKind</c>.</summary>
public enum OtlpSpanKind
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

/// <summary>What a resource (one service instance) says about itself: <c>service.name</c> and <c>service.instance.id</c>.</summary>
public sealed record OtlpResource(string Service, string Instance);

/// <summary>One received span; ids are lower-case hex, as W3C <c>traceparent</c> writes them.</summary>
public sealed record OtlpSpan(
    OtlpResource Resource, string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, OtlpSpanKind Kind, IReadOnlyDictionary<string, string> Attributes);

/// <summary>One received metric stream: its name and how many data points the export carried.</summary>
public sealed record OtlpMetric(OtlpResource Resource, string Scope, string Name, int DataPoints);

/// <summary>One received log record: its category (the scope), body, attributes and the span it was written in.</summary>
public sealed record OtlpLogRecord(
    OtlpResource Resource, string Scope, string Severity, string Body, IReadOnlyDictionary<string, string> Attributes, string TraceId, string SpanId);

/// <summary>
/// Reads the OTLP/HTTP protobuf requests (<c>ExportTraceServiceRequest</c>, <c>ExportMetricsServiceRequest</c>,
/// <c>ExportLogsServiceRequest</c>) with Google.Protobuf's wire reader. Only the fields the tests look at are
/// read; every other field is skipped by its wire type, as any protobuf reader does with unknown fields. Field
/// numbers are those of opentelemetry-proto's <c>trace.proto</c>, <c>metrics.proto</c>, <c>logs.proto</c>,
/// <c>resource.proto</c> and <c>common.proto</c>.
/// </summary>
public static class OtlpProtobuf
{
    public static IReadOnlyList<OtlpSpan> ReadTraces(byte[] request)
    {
        var spans = new List<OtlpSpan>();
        foreach (var resourceSpans in Repeated(request, 1))
        {
            var resource = ReadResource(Single(resourceSpans, 1));
            foreach (var scopeSpans in Repeated(resourceSpans, 2))
            {
                var scope = ReadScopeName(Single(scopeSpans, 1));
                spans.AddRange(Repeated(scopeSpans, 2).Select(span => ReadSpan(resource, scope, span)));
            }
        }

        return spans;
    }

    public static IReadOnlyList<OtlpMetric> ReadMetrics(byte[] request)
    {
        var metrics = new List<OtlpMetric>();
        foreach (var resourceMetrics in Repeated(request, 1))
        {
            var resource = ReadResource(Single(resourceMetrics, 1));
            foreach (var scopeMetrics in Repeated(resourceMetrics, 2))
            {
                var scope = ReadScopeName(Single(scopeMetrics, 1));
                metrics.AddRange(Repeated(scopeMetrics, 2).Select(metric => ReadMetric(resource, scope, metric)));
            }
        }

        return metrics;
    }

    public static IReadOnlyList<OtlpLogRecord> ReadLogs(byte[] request)
    {
        var records = new List<OtlpLogRecord>();
        foreach (var resourceLogs in Repeated(request, 1))
        {
            var resource = ReadResource(Single(resourceLogs, 1));
            foreach (var scopeLogs in Repeated(resourceLogs, 2))
            {
                var scope = ReadScopeName(Single(scopeLogs, 1));
                records.AddRange(Repeated(scopeLogs, 2).Select(record => ReadLogRecord(resource, scope, record)));
            }
        }

        return records;
    }

    // Span: trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, kind = 6, attributes = 9.
    private static OtlpSpan ReadSpan(OtlpResource resource, string scope, byte[] span)
    {
        string traceId = "", spanId = "", parentSpanId = "", name = "";
        var kind = OtlpSpanKind.Unspecified;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var input = new CodedInputStream(span);
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: traceId = Hex(input.ReadBytes()); break;
                case 2: spanId = Hex(input.ReadBytes()); break;
                case 4: parentSpanId = Hex(input.ReadBytes()); break;
                case 5: name = input.ReadString(); break;
                case 6: kind = (OtlpSpanKind)input.ReadEnum(); break;
                case 9: AddKeyValue(attributes, input.ReadBytes().ToByteArray()); break;
                default: input.SkipLastField(); break;
            }
        }

        return new OtlpSpan(resource, scope, traceId, spanId, parentSpanId, name, kind, attributes);
    }

    // Metric: name = 1; its data is one of gauge = 5, sum = 7, histogram = 9, exponential_histogram = 10,
    // summary = 11, each holding its data points in field 1.
    private static OtlpMetric ReadMetric(OtlpResource resource, string scope, byte[] metric)
    {
        var name = "";
        var points = 0;
        var input = new CodedInputStream(metric);
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: name = input.ReadString(); break;
                case 5 or 7 or 9 or 10 or 11: points += Repeated(input.ReadBytes().ToByteArray(), 1).Count; break;
                default: input.SkipLastField(); break;
            }
        }

        return new OtlpMetric(resource, scope, name, points);
    }

    // LogRecord: severity_text = 3, body = 5, attributes = 6, trace_id = 9, span_id = 10.
    private static OtlpLogRecord ReadLogRecord(OtlpResource resource, string scope, byte[] record)
    {
        string severity = "", body = "", traceId = "", spanId = "";
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var input = new CodedInputStream(record);
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 3: severity = input.ReadString(); break;
                case 5: body = ReadAnyValue(input.ReadBytes().ToByteArray()); break;
                case 6: AddKeyValue(attributes, input.ReadBytes().ToByteArray()); break;
                case 9: traceId = Hex(input.ReadBytes()); break;
                case 10: spanId = Hex(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }

        return new OtlpLogRecord(resource, scope, severity, body, attributes, traceId, spanId);
    }

    // Resource: attributes = 1.
    private static OtlpResource ReadResource(byte[]? resource)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in resource is null ? [] : Repeated(resource, 1))
        {
            AddKeyValue(attributes, keyValue);
        }

        return new OtlpResource(attributes.GetValueOrDefault("service.name", ""), attributes.GetValueOrDefault("service.instance.id", ""));
    }

    // InstrumentationScope: name = 1.
    private static string ReadScopeName(byte[]? scope)
    {
        if (scope is null)
        {
            return "";
        }

        var input = new CodedInputStream(scope);
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1)
            {
                return input.ReadString();
            }

            input.SkipLastField();
        }

        return "";
    }

    // KeyValue: key = 1, value = 2 (AnyValue).
    private static void AddKeyValue(Dictionary<string, string> attributes, byte[] keyValue)
    {
        string key = "", value = "";
        var input = new CodedInputStream(keyValue);
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: key = input.ReadString(); break;
                case 2: value = ReadAnyValue(input.ReadBytes().ToByteArray()); break;
                default: input.SkipLastField(); break;
            }
        }

        attributes[key] = value;
    }

    // AnyValue: string_value = 1, bool_value = 2, int_value = 3, double_value = 4; arrays, maps and bytes are
    // not needed here and read as empty.
    private static string ReadAnyValue(byte[] value)
    {
        var input = new CodedInputStream(value);
        var text = "";
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: text = input.ReadString(); break;
                case 2: text = input.ReadBool() ? "true" : "false"; break;
                case 3: text = input.ReadInt64().ToString(CultureInfo.InvariantCulture); break;
                case 4: text = input.ReadDouble().ToString(CultureInfo.InvariantCulture); break;
                default: input.SkipLastField(); break;
            }
        }

        return text;
    }

    private static List<byte[]> Repeated(byte[] message, int field)
    {
        var values = new List<byte[]>();
        var input = new CodedInputStream(message);
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                values.Add(input.ReadBytes().ToByteArray());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return values;
    }

    private static byte[]? Single(byte[] message, int field) => Repeated(message, field) is [.., var last] ? last : null;

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);
}
