using System.Threading.Channels;
using Memento.McpServer.Errors;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Memento.McpServer.Tools;

/// <summary>
/// Stands in front of a message transport (stdio) and answers a request whose <c>params</c> is not an object with
/// -32602 and <see cref="RequestShape"/>'s message before the SDK's session sees it: the session reads
/// <c>params</c> for its tracing before the first message filter runs, and a JSON array there is an internal error
/// (-32603 "An error occurred."). A notification of that shape has no one to answer, so it is dropped, logged at
/// Debug. Everything else passes through unchanged, in order. Over HTTP the request guard applies the same rule to
/// the body.
/// </summary>
internal sealed partial class ShapeCheckedTransport : ITransport
{
    private readonly ITransport _inner;
    private readonly ILogger _logger;
    private readonly Channel<JsonRpcMessage> _checked = Channel.CreateUnbounded<JsonRpcMessage>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Task _pump;

    public ShapeCheckedTransport(ITransport inner, ILogger<ShapeCheckedTransport> logger)
    {
        _inner = inner;
        _logger = logger;
        _pump = PumpAsync();
    }

    public string? SessionId => _inner.SessionId;

    public ChannelReader<JsonRpcMessage> MessageReader => _checked.Reader;

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
        _inner.SendMessageAsync(message, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        await _pump;
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var message in _inner.MessageReader.ReadAllAsync())
            {
                var problem = message switch
                {
                    JsonRpcRequest request => RequestShape.ParamsProblem(request.Params),
                    JsonRpcNotification notification => RequestShape.ParamsProblem(notification.Params),
                    _ => null,
                };

                if (problem is null)
                {
                    await _checked.Writer.WriteAsync(message);
                }
                else if (message is JsonRpcRequest request)
                {
                    LogRefused(request.Method, problem);
                    await _inner.SendMessageAsync(new JsonRpcError
                    {
                        Id = request.Id,
                        Error = new JsonRpcErrorDetail { Code = (int)McpErrorCode.InvalidParams, Message = problem },
                    });
                }
                else
                {
                    LogDropped(((JsonRpcNotification)message).Method, problem);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The output went away while an answer was written: the session ends as it does when its transport fails.
            _checked.Writer.TryComplete(e);
        }
        finally
        {
            _checked.Writer.TryComplete();
        }
    }

    private void LogRefused(string method, string problem) => LogRefusedCore(LogText.Escape(method, 60), problem);

    private void LogDropped(string method, string problem) => LogDroppedCore(LogText.Escape(method, 60), problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Refused a '{Method}' request: {Problem}")]
    private partial void LogRefusedCore(string method, string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped a '{Method}' notification: {Problem}")]
    private partial void LogDroppedCore(string method, string problem);
}
