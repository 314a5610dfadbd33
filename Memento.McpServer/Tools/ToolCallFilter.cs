using Memento.McpServer.Auth;
using Memento.McpServer.Errors;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Memento.McpServer.Tools;

/// <summary>
/// Wraps every tool call: attaches the caller, checks the arguments against the tool's schema, enforces the
/// time limit and turns refusals into tool errors. A refusal is the caller's mistake (or a passing storage
/// condition), so it is logged once, below error level and without a stack trace; anything else is a fault
/// and goes on to the SDK, which logs it as one.
/// </summary>
internal static partial class ToolCallFilter
{
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Create(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            var services = context.Services!;
            services.GetRequiredService<Caller>().Principal = context.User;
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ToolCallFilter).FullName!);
            var tool = LogText.Escape(context.Params?.Name, 64);
            var timeout = services.GetRequiredService<IOptions<HttpOptions>>().Value.RequestTimeout;
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                if (context.MatchedPrimitive is McpServerTool matched)
                {
                    ToolArguments.Check(matched.ProtocolTool, context.Params?.Arguments);
                }

                // On the thread pool, so that the limit holds even while a tool computes without awaiting:
                // the caller gets its answer when the time is up, and the work stops at its next cancellation check.
                var work = Task.Run(() => next(context, limit.Token).AsTask(), CancellationToken.None);
                _ = work.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return await work.WaitAsync(limit.Token);
            }
            catch (RefusalException refusal)
            {
                if (refusal.Code == RefusalCode.Unavailable)
                {
                    LogUnavailable(logger, tool, LogText.Escape(refusal.InnerException?.Message ?? refusal.Message));
                }
                else
                {
                    LogRefused(logger, tool, refusal.Code, LogText.Escape(refusal.Message));
                }

                return ToolError(refusal.Message);
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                LogTimedOut(logger, tool, timeout);
                return ToolError($"The call took longer than {timeout.TotalSeconds:0} seconds and was stopped; try a narrower request.");
            }
        };

    private static CallToolResult ToolError(string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = message }],
    };

    [LoggerMessage(EventId = 7100, Level = LogLevel.Debug, Message = "Tool call {Tool} refused ({Code}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string tool, RefusalCode code, string reason);

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Tool call {Tool} refused: the storage cannot take writes ({Reason})")]
    private static partial void LogUnavailable(ILogger logger, string tool, string reason);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Tool call {Tool} stopped after the time limit of {Timeout}")]
    private static partial void LogTimedOut(ILogger logger, string tool, TimeSpan timeout);
}
